"""What pages show, made from plain values: SVG charts and sanitized Markdown.

Pure like ``domain/`` (no Flask, no database), but about presentation, not rules.
"""
