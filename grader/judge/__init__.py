"""Judging observations against expected values: decode, compare, score."""
