"""The permission matrix: every URL pattern × every role → the expected status.

Each app adds a module here with `build(world)` (creates the objects its URLs need) and `CASES`.
`tests/test_permission_matrix.py` runs them all and fails on any URL pattern that no case covers.
"""
