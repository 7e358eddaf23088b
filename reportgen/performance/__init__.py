"""Performance steps: realized metrics, CBPE (classification), DLE (regression), business value.

reportgen.pipeline_steps imports the step modules, which register themselves in reportgen.steps.STEPS.
"""
