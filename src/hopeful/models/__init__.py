"""Attitude models: the EU referendum area model and town estimates, and MRP for polls."""
