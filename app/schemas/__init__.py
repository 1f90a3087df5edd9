"""Wire formats that both doors and the services use (so none of them reaches into another)."""
