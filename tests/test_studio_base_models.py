"""midime.studio.base_models: the checkpoints offered, each with its MusicVAE
config from its sidecar or its published name, the configs over it; the page
names models, never paths."""

import os

import pytest

from midime.errors import UserError
from midime.studio import base_models
from tests import testing_lib


def test_the_bundled_models_name_their_music_vae_configs():
  found = {model['id']: model for model in base_models.list_base_models(
      os.path.join(testing_lib.REPO, 'model'))}
  assert found['folk-mel_2bar.tar']['vae_config'] == 'cat-mel_2bar_big'
  assert found['folk-mel_2bar.tar']['configs'] == ['ae-cat-mel_2bar_big',
                                                   'lc-cat-mel_2bar_big']
  assert found['folk-mel_16bar.tar']['vae_config'] == 'hierdec-mel_16bar'


@pytest.mark.parametrize('file_name, vae_config', [
    ('cat-mel_2bar_big.tar', 'cat-mel_2bar_big'),
    ('cat-drums_2bar_small.lokl.tar', 'cat-drums_2bar_small'),
    ('mel_16bar_flat.ckpt', 'flat-mel_16bar'),
    ('model_fb256.ckpt', 'hier-multiperf_vel_1bar_med'),
    ('my-own.tar', None),
])
def test_magentas_published_names_say_their_config(tmp_path, file_name,
                                                   vae_config):
  path = tmp_path / file_name
  if file_name.endswith('.tar'):
    path.write_bytes(b'')
  else:
    (tmp_path / (file_name + '.index')).write_bytes(b'')
  listed = base_models.list_base_models(str(tmp_path))
  assert [(m['id'], m['vae_config']) for m in listed] == [(file_name,
                                                           vae_config)]
  if vae_config is None:
    assert len(listed[0]['configs']) > 10  # the user chooses among all


def test_no_models_folder_offers_nothing(tmp_path):
  assert base_models.list_base_models(None) == []
  assert base_models.list_base_models(str(tmp_path / 'missing')) == []


@pytest.mark.parametrize('model_id', ['../model/folk-mel_2bar.tar',
                                      '/etc/passwd', 'missing.tar', None])
def test_a_model_not_listed_is_refused(model_id):
  with pytest.raises(UserError, match='no base model'):
    base_models.base_model_path(os.path.join(testing_lib.REPO, 'model'),
                                model_id)


def test_a_config_over_another_music_vae_names_the_ones_that_fit():
  with pytest.raises(UserError, match=r'ae-hierdec-mel_16bar sits on '
                     r'hierdec-mel_16bar, but folk-mel_2bar.tar is a '
                     r'cat-mel_2bar_big checkpoint; choose one of '
                     r'ae-cat-mel_2bar_big, lc-cat-mel_2bar_big'):
    base_models.check_config_for('folk-mel_2bar.tar', 'cat-mel_2bar_big',
                                 'ae-hierdec-mel_16bar')
  with pytest.raises(UserError, match='unknown config'):
    base_models.check_config_for('x.tar', None, 'ae-nothing')


@pytest.mark.parametrize('num_steps', [0, -5, 1.5, '100', True, 10**6])
def test_bad_step_counts_are_refused(num_steps):
  with pytest.raises(UserError, match='num_steps must be a whole number'):
    base_models.check_num_steps(num_steps)
