"""The fault matrix of reliability.md section 8, proven on loopback (docs/fault-matrix.md)."""
