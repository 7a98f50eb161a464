"""`python midime_train.py` from a checkout: the same program as `midime-train`
(midime/cli/train.py holds its flags; `--help` lists them)."""

from midime.cli import train

if __name__ == '__main__':
  train.main()
