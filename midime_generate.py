"""`python midime_generate.py` from a checkout: the same program as
`midime-generate` (midime/cli/generate.py holds its flags; `--help` lists
them)."""

from midime.cli import generate

if __name__ == '__main__':
  generate.main()
