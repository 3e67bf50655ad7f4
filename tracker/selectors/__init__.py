"""Reads for the public pages and feeds: plain functions returning plain data (see STYLE.md)."""
