"""Sample data for reportgen: a seeded generator (reportgen.samples.generator) and committed copies under data/."""
