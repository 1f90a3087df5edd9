"""The development stack behind `make run` and `make test`: embedded PostgreSQL and Redis, and the
supervisor of the processes `make run` starts. A tool for this repository, not part of the service:
nothing under app/ imports it, and its requirements (requirements-devstack.txt) stay out of the
production image."""
