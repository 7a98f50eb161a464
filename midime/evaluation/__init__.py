"""Did personalization work? The measures, the report and the plots of
`midime-evaluate` (the job that samples both models is midime.jobs.evaluate)."""
