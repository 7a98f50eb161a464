"""midime.frozen_music_vae: magenta's MusicVAE configs copied with hparams, what
a checkpoint's variables say of its family, and a tiny random MusicVAE restored
read-only; a checkpoint of another family or size is a one-line UserError."""

from midime import tf_setup  # noqa: F401  (first: magenta needs Keras 2)
from magenta.models.music_vae import configs as vae_configs
import numpy as np
import pytest
import tensorflow.compat.v1 as tf
from midime import checkpoints
from midime import families
from midime import frozen_music_vae
from midime import random_music_vae
from midime.errors import UserError

# Toy sizes for graphs that no checkpoint is restored into.
_FROZEN_TINY_SIZES = {
    'z_size': 16,
    'enc_rnn_size': [32],
    'dec_rnn_size': [32, 32]
}

# magenta's BidirectionalLstmEncoder's first layer, in every released config.
_FROZEN_ENCODER_KERNEL = ('encoder/cell_0/bidirectional_rnn/fw/multi_rnn_cell/'
                          'cell_0/lstm_cell')


@pytest.fixture(scope='module')
def frozen_drums_prefix(tmp_path_factory):
  """A tiny random cat-drums_2bar_small checkpoint: another family's."""
  return random_music_vae.write_random_music_vae(
      str(tmp_path_factory.mktemp('drums')), 'cat-drums_2bar_small', hparams={
          'z_size': 8,
          'enc_rnn_size': [16],
          'dec_rnn_size': [16]
      })


def _frozen_sizes_of(tiny_vae):
  """The sizes the tiny MusicVAE was built at (its sidecar)."""
  sidecars = checkpoints.read_sidecars(tiny_vae.folder)
  return sidecars[checkpoints.MUSIC_VAE_SIDECAR]['hparams']


def _frozen_encoder(vae_config, batch_size=2, name='cat-mel_2bar_big'):
  """A FrozenMusicVAE with its encoder built in the current graph."""
  music_vae = frozen_music_vae.FrozenMusicVAE(vae_config, batch_size, name)
  depth = vae_config.data_converter.input_depth
  inputs = tf.placeholder(tf.float32, [batch_size, None, depth])
  lengths = tf.placeholder(tf.int32, [batch_size])
  return music_vae, inputs, lengths, music_vae.encode(inputs, lengths)


def test_an_unknown_config_is_a_user_error():
  with pytest.raises(UserError) as raised:
    frozen_music_vae.music_vae_config('cat-mel_3bar')
  assert str(raised.value) == ("unknown MusicVAE config 'cat-mel_3bar' (see "
                               'magenta.models.music_vae.configs)')


@pytest.mark.parametrize('hparams', [{'no_such_hparam': 1}, {'z_size': 'big'}])
def test_hparams_the_config_cannot_take_are_a_user_error(hparams):
  with pytest.raises(UserError) as raised:
    frozen_music_vae.music_vae_config('cat-mel_2bar_big', hparams)
  message = str(raised.value)
  assert message.startswith('bad MusicVAE hparams for cat-mel_2bar_big: ')
  assert '\n' not in message


def test_music_vae_config_is_a_private_copy_with_the_hparams_applied():
  magentas = vae_configs.CONFIG_MAP['cat-mel_2bar_big']
  z_size, batch_size = magentas.hparams.z_size, magentas.hparams.batch_size
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big',
                                             {'z_size': z_size // 4})
  config.hparams.batch_size = batch_size + 1
  assert config.hparams.z_size == z_size // 4
  assert magentas.hparams.z_size == z_size
  assert magentas.hparams.batch_size == batch_size


def test_load_music_vae_config_applies_the_sizes_beside_the_checkpoint(
    tiny_vae):
  with checkpoints.open_checkpoint(tiny_vae.tar) as checkpoint:
    stored = checkpoint.sidecars[checkpoints.MUSIC_VAE_SIDECAR]['hparams']
    config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big',
                                                    checkpoint)
  for key, value in stored.items():
    assert config.hparams.get(key) == value


def test_a_small_models_checkpoint_is_not_a_music_vae():
  checkpoint = checkpoints.Checkpoint(
      prefix='run/train/model.ckpt-5', source='run/ae-cat-mel_2bar_big.tar',
      sidecars={checkpoints.MODEL_SIDECAR: {
          'config': 'ae-cat-mel_2bar_big'
      }})
  with pytest.raises(UserError) as raised:
    frozen_music_vae.load_music_vae_config('cat-mel_2bar_big', checkpoint)
  assert str(raised.value) == (
      'run/ae-cat-mel_2bar_big.tar is a SmallMusicVAE/LCMusicVAE checkpoint, '
      'not a MusicVAE one')


@pytest.mark.parametrize('shapes', [{}, {
    _FROZEN_ENCODER_KERNEL + '/kernel': [122, 128]
}, {
    'decoder/lstm/kernel': [10, 40],
    'global_step': []
}])
def test_checkpoint_signature_of_no_usual_encoder_is_none(shapes):
  assert frozen_music_vae.checkpoint_signature(shapes) is None


@pytest.mark.parametrize('depth, units', [(90, 32), (10, 512), (692, 2048)])
@pytest.mark.parametrize('hierarchical', [False, True])
def test_checkpoint_signature_reads_the_input_depth_and_the_decoder(
    depth, units, hierarchical):
  shapes = {
      _FROZEN_ENCODER_KERNEL + '/kernel': [depth + units, 4 * units],
      _FROZEN_ENCODER_KERNEL + '/bias': [4 * units],
      'decoder/multi_rnn_cell/cell_0/lstm_cell/kernel': [10, 40]
  }
  if hierarchical:
    shapes['decoder/hierarchical_level_0/multi_rnn_cell/cell_0/kernel'] = [8, 8]
  assert frozen_music_vae.checkpoint_signature(shapes) == (depth, hierarchical)


def test_a_checkpoints_signature_is_its_configs(tiny_vae):
  shapes = dict(tf.train.list_variables(tiny_vae.prefix))
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big')
  assert frozen_music_vae.checkpoint_signature(shapes) == (
      frozen_music_vae.config_signature(config))
  assert frozen_music_vae.config_signature(config) == (
      config.data_converter.input_depth, False)


@pytest.mark.parametrize('name', list(families.FAMILIES))
def test_families_like_finds_each_family_by_its_signature(name):
  signature = frozen_music_vae.config_signature(
      frozen_music_vae.music_vae_config(name))
  like = frozen_music_vae.families_like(signature)
  assert name in like
  assert set(like) <= set(families.FAMILIES)


def test_families_like_finds_none_for_an_unsupported_signature():
  assert frozen_music_vae.families_like((1, True)) == []


def test_the_checkpoint_graph_holds_what_a_checkpoint_holds(tiny_vae):
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big',
                                             _frozen_sizes_of(tiny_vae))
  with tf.Graph().as_default():
    variables = frozen_music_vae.build_checkpoint_graph(config)
    built = {v.op.name: v.shape.as_list() for v in variables}
  assert config.hparams.batch_size == 1
  stored = {
      name: list(shape)
      for name, shape in tf.train.list_variables(tiny_vae.prefix)
  }
  assert built == stored
  assert ({name.split('/')[0] for name in built} <=
          set(frozen_music_vae.CHECKPOINT_SCOPES))


def test_restore_loads_the_checkpoints_weights_into_the_encoder(tiny_vae):
  batch_size = 2
  with checkpoints.open_checkpoint(tiny_vae.tar) as checkpoint:
    config = frozen_music_vae.load_music_vae_config('cat-mel_2bar_big',
                                                    checkpoint)
    with tf.Graph().as_default():
      music_vae, inputs, lengths, (mu, sigma) = _frozen_encoder(
          config, batch_size)
      assert ({v.op.name.split('/')[0] for v in music_vae.variables()} ==
              {frozen_music_vae.ENCODER_SCOPE})
      with tf.Session() as session:
        music_vae.restore(session, checkpoint)
        restored = {
            v.op.name: value for v, value in zip(
                music_vae.variables(), session.run(music_vae.variables()))
        }
        one_hot = np.eye(config.data_converter.input_depth)[np.arange(
            batch_size * 32).reshape(batch_size, 32) % 5]
        mu_value, sigma_value = session.run([mu, sigma], {
            inputs: one_hot,
            lengths: [32] * batch_size
        })
  for name, value in restored.items():
    np.testing.assert_array_equal(value,
                                  tf.train.load_variable(tiny_vae.prefix, name))
  assert mu_value.shape == sigma_value.shape == (batch_size,
                                                 config.hparams.z_size)
  assert (sigma_value > 0).all()


def test_sampling_adds_the_decoders_variables():
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big',
                                             _FROZEN_TINY_SIZES)
  batch_size = config.hparams.batch_size
  with tf.Graph().as_default():
    music_vae = frozen_music_vae.FrozenMusicVAE(config, 3)
    samples = music_vae.sample(tf.zeros([3, config.hparams.z_size]),
                               max_length=8, temperature=0.5)
    scopes = {v.op.name.split('/')[0] for v in music_vae.variables()}
  assert scopes == {frozen_music_vae.DECODER_SCOPE}
  assert samples.shape.as_list()[0] == 3
  assert music_vae.hparams.batch_size == 3
  assert config.hparams.batch_size == batch_size != 3  # the caller's, as was


def test_a_checkpoint_of_other_sizes_does_not_fit_and_says_what_to_do(tiny_vae):
  tiny_sizes = _frozen_sizes_of(tiny_vae)
  sizes = dict(tiny_sizes, z_size=tiny_sizes['z_size'] // 2)
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big', sizes)
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    with tf.Graph().as_default():
      music_vae = _frozen_encoder(config)[0]
      with tf.Session() as session:
        with pytest.raises(UserError) as raised:
          music_vae.restore(session, checkpoint)
  message = raised.value.for_command_line()
  assert message.startswith('%s does not fit MusicVAE cat-mel_2bar_big '
                            '(z_size %d' % (tiny_vae.prefix, sizes['z_size']))
  assert checkpoints.MUSIC_VAE_SIDECAR in message and '\n' not in message


def test_a_checkpoint_of_another_family_is_named_for_what_it_looks_like(
    frozen_drums_prefix):
  drums = frozen_music_vae.music_vae_config('cat-drums_2bar_small')
  depth, _ = frozen_music_vae.config_signature(drums)
  like = frozen_music_vae.families_like(
      frozen_music_vae.config_signature(drums))
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big',
                                             _FROZEN_TINY_SIZES)
  with checkpoints.open_checkpoint(frozen_drums_prefix) as checkpoint:
    with tf.Graph().as_default():
      music_vae = _frozen_encoder(config, name='cat-mel_2bar_big')[0]
      with pytest.raises(UserError) as raised:
        music_vae.check_family(checkpoint)
  message = raised.value.for_command_line()
  assert message.startswith(
      '%s is not a cat-mel_2bar_big checkpoint: it looks like %s (encoder '
      'input depth %d, flat decoder); use --config=ae-%s or lc-%s with '
      '--vae_config=%s. Variables that differ: ' %
      (frozen_drums_prefix, ' or '.join(like), depth, like[0], like[0],
       like[0]))
  assert _FROZEN_ENCODER_KERNEL + '/kernel' in message
  assert '\n' not in message


def test_check_family_leaves_other_sizes_of_its_family_to_restore(tiny_vae):
  # The family is the same: restore names the variables that do not fit.
  tiny_sizes = _frozen_sizes_of(tiny_vae)
  sizes = dict(tiny_sizes, z_size=tiny_sizes['z_size'] // 2,
               enc_rnn_size=[2 * tiny_sizes['enc_rnn_size'][0]])
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big', sizes)
  with checkpoints.open_checkpoint(tiny_vae.prefix) as checkpoint:
    with tf.Graph().as_default():
      music_vae = _frozen_encoder(config)[0]
      assert music_vae.check_family(checkpoint) is None


def test_music_vae_config_applies_stored_sizes():
  config = frozen_music_vae.music_vae_config('cat-mel_2bar_big', {'z_size': 16})
  assert config.hparams.z_size == 16
  with pytest.raises(UserError, match='unknown MusicVAE config'):
    frozen_music_vae.music_vae_config('cat-mel_3bar_huge')
