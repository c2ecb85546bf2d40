"""Built-in trial designs (YAML), replicas of published trials in /work/shared/data/trial_designs.yaml."""
