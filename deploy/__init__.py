"""Serving the observatoire on a server: nginx in front of several app processes (deploy/serve.py)."""
