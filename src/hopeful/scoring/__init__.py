"""Composite-indicator scoring (COINr / OECD-JRC Handbook style), one step per module.

Each step is a plain function over pandas DataFrames with units (towns) as rows, indexed by
code, and indicators as columns; `pipeline.run` chains them as a framework file declares.
"""
