"""The MusicVAE families SmallMusicVAE and LCMusicVAE personalize: what each
makes, how far apart its training windows start, what kind of new decoder
LCMusicVAE gives it, and where Magenta publishes its checkpoint. Plain data: no
TensorFlow.
"""

import collections

# Sixteen-bar windows slid one bar at a time overlap by 15/16 and each costs a
# pass of a large encoder: 4 bars apart keeps each bar in four windows and
# encodes a 32-bar tune in 5 windows instead of 17.
SIXTEEN_BAR_HOP_BARS = 4

# MusicVAE config -> (what it makes, window hop in bars, the lc- decoder's
# kind, None for no lc- config: LCMusicVAE's new decoder learns one-hot events,
# and NADE's outputs are multi-label, GrooVAE's hits with velocities and
# timing). The multitrack family's lc- decoder is its own hierarchy made small:
# a conductor over the 8 instrument slots and a categorical LSTM writing each
# instrument's program and performance events. The flat 16-bar configs
# (magenta's baselines for the hierarchical ones) read the same 16-bar windows
# through as large an encoder, so they hop alike.
FAMILIES = collections.OrderedDict([
    ('cat-mel_2bar_big', ('2-bar melodies', None, 'categorical')),
    ('cat-mel_2bar_med_chords', ('2-bar melodies over chords', None,
                                 'categorical')),
    ('hierdec-mel_16bar', ('16-bar melodies', SIXTEEN_BAR_HOP_BARS,
                           'hierarchical')),
    ('hierdec-trio_16bar', ('16-bar trios: melody, bass, drums',
                            SIXTEEN_BAR_HOP_BARS, 'hierarchical-trio')),
    ('flat-mel_16bar', ('16-bar melodies (flat decoder)', SIXTEEN_BAR_HOP_BARS,
                        'categorical')),
    ('flat-trio_16bar', ('16-bar trios: melody, bass, drums (flat decoder)',
                         SIXTEEN_BAR_HOP_BARS, 'categorical-trio')),
    ('cat-drums_2bar_small', ('2-bar drum patterns', None, 'categorical')),
    ('nade-drums_2bar_full', ('2-bar drum patterns, 61 drum pitches', None,
                              None)),
    ('groovae_4bar', ('4-bar drum grooves with velocities and timing', None,
                      None)),
    ('groovae_2bar_humanize', ('2-bar grooves humanized from quantized drums',
                               None, None)),
    ('groovae_2bar_tap_fixed_velocity', ('2-bar grooves from a tapped rhythm',
                                         None, None)),
    ('groovae_2bar_add_closed_hh', ('2-bar grooves with closed hi-hat added',
                                    None, None)),
    ('groovae_2bar_hits_control_tfds',
     ('2-bar grooves played on the drum hits given', None, None)),
    ('hier-multiperf_vel_1bar_med',
     ('1-bar multitrack: up to 8 instruments with programs and velocities',
      None, 'hierarchical')),
    ('hier-multiperf_vel_1bar_big',
     ('1-bar multitrack: up to 8 instruments (bigger MusicVAE)', None,
      'hierarchical')),
    ('hier-multiperf_vel_1bar_med_chords',
     ('1-bar multitrack over chords: up to 8 instruments', None,
      'hierarchical')),
    ('hier-multiperf_vel_1bar_big_chords',
     ('1-bar multitrack over chords (bigger MusicVAE)', None, 'hierarchical')),
])

# Where Magenta publishes each MusicVAE checkpoint (magenta's music_vae README).
CHECKPOINT_BASE_URL = (
    'https://storage.googleapis.com/magentadata/models/music_vae/'
    'checkpoints/')
# Magenta publishes the flat 16-bar checkpoints only for its MusicVAE colab, as
# unbundled checkpoints (a `.index` and a `.data-00000-of-00001` beside this
# prefix) named `<what>_<decoder>.ckpt`.
COLAB_CHECKPOINT_BASE_URL = (
    'https://storage.googleapis.com/download.magenta.tensorflow.org/models/'
    'music_vae/colab2/checkpoints/')
COLAB_ONLY_FAMILIES = ('flat-mel_16bar', 'flat-trio_16bar')
# The multitrack checkpoints (the chord-conditioned one too) are published only
# for magenta's Multitrack colab, unbundled like the flat ones, under names of
# their own. Magenta published none of the big twins: they take a checkpoint of
# your own (None below).
MULTITRACK_CHECKPOINT_BASE_URL = (
    'https://storage.googleapis.com/download.magenta.tensorflow.org/models/'
    'music_vae/multitrack/')
MULTITRACK_FAMILIES = ('hier-multiperf_vel_1bar_med',
                       'hier-multiperf_vel_1bar_big',
                       'hier-multiperf_vel_1bar_med_chords',
                       'hier-multiperf_vel_1bar_big_chords')


def colab_checkpoint_name(name):
  """The colab's name of family `name`'s checkpoint: 'flat-mel_16bar' ->
  'mel_16bar_flat.ckpt'."""
  decoder, what = name.split('-', 1)
  return '%s_%s.ckpt' % (what, decoder)


CHECKPOINT_URLS = {
    name: (COLAB_CHECKPOINT_BASE_URL + colab_checkpoint_name(name)
           if name in COLAB_ONLY_FAMILIES else CHECKPOINT_BASE_URL + name +
           '.tar') for name in FAMILIES if name not in MULTITRACK_FAMILIES
}
# Magenta released two checkpoints of cat-drums_2bar_small: lokl (a strong
# prior, for sampling; the one personalization wants) and hikl (for
# reconstruction).
CHECKPOINT_URLS['cat-drums_2bar_small'] = (CHECKPOINT_BASE_URL +
                                           'cat-drums_2bar_small.lokl.tar')
CHECKPOINT_URLS['hier-multiperf_vel_1bar_med'] = (
    MULTITRACK_CHECKPOINT_BASE_URL + 'model_fb256.ckpt')
CHECKPOINT_URLS['hier-multiperf_vel_1bar_big'] = None
CHECKPOINT_URLS['hier-multiperf_vel_1bar_med_chords'] = (
    MULTITRACK_CHECKPOINT_BASE_URL + 'model_chords_fb64.ckpt')
CHECKPOINT_URLS['hier-multiperf_vel_1bar_big_chords'] = None
# The GrooVAE checkpoint conditioned on hits is published under the name of
# what it does, not of its config.
CHECKPOINT_URLS['groovae_2bar_hits_control_tfds'] = (
    CHECKPOINT_BASE_URL + 'groovae_2bar_hits_control.tar')
