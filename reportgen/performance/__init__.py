"""Performance steps: realized metrics, CBPE (classification), DLE (regression), business value.

Importing the package registers the steps in reportgen.steps.STEPS.
"""

from reportgen.performance import business_value, cbpe, dle, realized  # noqa: F401
