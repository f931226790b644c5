"""Blueprints: thin views that parse, call one service, and render or redirect."""
