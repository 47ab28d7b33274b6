"""Serving the app: replicas behind nginx (replicas.py, nginx.conf.template)."""
