"""The operator dashboard: its JSON routes, its static page and the API docs page."""
