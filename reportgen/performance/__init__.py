"""Performance steps: realized metrics, CBPE (classification), DLE (regression), business value."""
