"""The domain. REST routes and Socket.IO handlers both call these functions.

Each service owns its transaction: it validates (check_*), writes, commits, and only then
notifies anyone else.
"""
