"""Doorstep: lawful, effective collection visits and the work around them."""
