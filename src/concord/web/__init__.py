"""The Django project: apps by business area."""
