"""Writing a set of output files all or none: a failed or interrupted run leaves no
partial files (and no folder it created) behind."""

import os

PARTIAL_SUFFIX = '.partial'


def write_all_or_none(output_dir, writers):
  """Writes each `(file name, write(path))` of `writers` into `output_dir` (created
  when missing) under a temporary name, and renames them all once every one is
  complete. On any failure the temporary files go, and so does `output_dir` if this
  call created it and it is empty. Returns the final paths, in order."""
  created = not os.path.isdir(output_dir)
  os.makedirs(output_dir, exist_ok=True)
  temp_paths, final_paths = [], []
  try:
    for name, write in writers:
      final_path = os.path.join(output_dir, name)
      temp_paths.append(final_path + PARTIAL_SUFFIX)
      write(temp_paths[-1])
      final_paths.append(final_path)
  except BaseException:
    for temp_path in temp_paths:
      if os.path.exists(temp_path):
        os.remove(temp_path)
    if created and not os.listdir(output_dir):
      os.rmdir(output_dir)
    raise
  for temp_path, final_path in zip(temp_paths, final_paths):
    os.replace(temp_path, final_path)
  return final_paths
