"""Developer tools, apart from the service: the local cluster, seed data, a gunicorn launcher."""
