"""Typed models for every boundary: streams, HTTP and the database."""
