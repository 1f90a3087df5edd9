"""Authentication: JWT issue/verify/revoke and the current-user helpers."""
