"""The Django project: pages, the JSON API and the C2SP log endpoints."""
