"""`python midime_evaluate.py` from a checkout: the same program as
`midime-evaluate` (midime/cli/evaluate.py holds its flags; `--help` lists
them)."""

from midime.cli import evaluate

if __name__ == '__main__':
  evaluate.main()
