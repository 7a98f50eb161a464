"""`make bench`: where the time and memory go, against the original method and
magenta.

`python -m benchmarks` (`__main__.py`: the flags; `run.py`: the driver) runs
the cases and writes BENCHMARKS.md. One module per case, each rewriting its
own part of the report:

- `main_tables`: the report's head (context and goals) and the tables of
  `training` (whole runs against the original method), `encoding` and
  `sampling` (against magenta's TrainedModel) and `memory` (peak RSS);
- `songs25`: the whole run on 25 folk songs, start-up included;
- `dedup`: duplicate windows in real song sets;
- `families`: the other MusicVAE families against magenta;
- `song_mode`: song mode's 64-bar songs, timed after the model is loaded.

`common` holds the measuring (processes timed, peak RSS, repeats) and the
full-size random checkpoint kept under .cache/bench, `songs` the songs they run
on, `matmul` the encoder's arithmetic against this CPU's matrix-multiply rate,
`original_method` the original's training step, `report` the Markdown sections.
"""
