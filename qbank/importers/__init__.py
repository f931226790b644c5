"""Importers, one module per format; ``formats`` picks the right one for an upload."""
