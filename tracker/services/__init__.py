"""Writes that touch several models, each in one transaction: the editors' leak-day tools.

- ``paste``: turn a pasted numbered text into a version's points;
- ``versions``: start a version from another, publish a version with everything in it;
- ``lineage``: propose and save the links between the points of two versions in one go.
"""
