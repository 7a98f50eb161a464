"""The studio's training process (midime.studio.worker), started by the
studio's training queue, not by people:

  python -m midime.cli.studio_worker DATA_DIR RUN_ID SERVER_PID
"""

import sys

from midime.cli import common
from midime.studio import runs
from midime.studio import worker


def main(argv):
  data_dir, run_id, parent_pid = argv[1], argv[2], int(argv[3])
  worker.stop_with_parent(parent_pid)
  common.use_plain_logging('info')
  return worker.train(runs.RunStore(data_dir), run_id)


if __name__ == '__main__':
  sys.exit(main(sys.argv))
