// @livekit/agents-plugin-elevenlabs (LiveKit's Node agents), driven like clients/livekit_driver.py:
// `TTS.stream()` per turn, the interruption through `SynthesizeStream.close()` (the plugin's own
// cleanup sends close_context), pointed at the server by the `baseURL` option (http:// becomes ws://).
// Default configuration: only apiKey (the plugin's default voice and model, pcm_22050 — unlike the
// Python plugin, whose default is MP3). Non-default: pcm_16000. Events as in clients/script.py.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { initializeLogger, tts as ttsBase } from '@livekit/agents';
import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';

const TURNS = JSON.parse(readFileSync(new URL('../clients/turns.json', import.meta.url)));
const TURN_TIMEOUT_MS = 15000;
const LATE_AUDIO_WINDOW_MS = 1000;
const END = ttsBase.SynthesizeStream.END_OF_STREAM;

function emit(event, fields = {}) {
  process.stdout.write(JSON.stringify({ ...fields, event, t: performance.now() / 1000 }) + '\n');
}

function within(ms, promise, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function spokenTurn(tts, name) {
  emit('turn', { turn: name });
  const stream = tts.stream();
  for (const sentence of TURNS[name]) stream.pushText(sentence + ' ');
  stream.flush();
  stream.endInput();
  let bytes = 0;
  let ended = false;
  const read = async () => {
    for await (const event of stream) {
      if (event === END) break;
      if (bytes === 0) emit('audio', { turn: name, context: event.requestId });
      bytes += event.frame.data.byteLength;
    }
    ended = true;
  };
  try {
    await within(TURN_TIMEOUT_MS, read(), 'the end of the stream');
  } catch (error) {
    emit('error', { where: name, message: String(error).slice(0, 300) });
  } finally {
    stream.close();
  }
  emit('turn_end', { turn: name, bytes, ended });
}

async function interruptedTurn(tts) {
  emit('turn', { turn: 'interrupted' });
  const stream = tts.stream();
  for (const sentence of TURNS.interrupted) stream.pushText(sentence + ' ');
  stream.flush();
  let bytes = 0;
  try {
    const first = await within(TURN_TIMEOUT_MS, stream.next(), 'the first audio');
    if (!first.done && first.value !== END) {
      bytes = first.value.frame.data.byteLength;
      emit('audio', { turn: 'interrupted', context: first.value.requestId });
    }
  } catch (error) {
    emit('error', { where: 'interrupted', message: String(error).slice(0, 300) });
  }
  stream.close();
  emit('interrupted', { turn: 'interrupted' });
  await new Promise((resolve) => setTimeout(resolve, LATE_AUDIO_WINDOW_MS));
  emit('turn_end', { turn: 'interrupted', bytes, ended: true });
}

async function main() {
  const { values } = parseArgs({ options: { url: { type: 'string' }, key: { type: 'string' },
                                            config: { type: 'string', default: 'default' } } });
  const packages = ['@livekit/agents', '@livekit/agents-plugin-elevenlabs'];
  const versions = Object.fromEntries(packages.map((name) => [name, JSON.parse(readFileSync(
    new URL(`./node_modules/${name}/package.json`, import.meta.url))).version]));
  emit('versions', versions);
  initializeLogger({ pretty: false, level: 'warn' });
  const options = values.config === 'default' ? {} : { encoding: 'pcm_16000' };
  const tts = new elevenlabs.TTS({ apiKey: values.key, baseURL: values.url.replace('ws://', 'http://') + '/v1',
                                   ...options });
  // The plugin reports a failed synthesis as an 'error' event on the TTS, and ends the stream.
  tts.on('error', (error) => emit('error', { where: 'tts', message: String(error?.error ?? error).slice(0, 300) }));
  try {
    await spokenTurn(tts, 'turn1');
    await interruptedTurn(tts);
    await spokenTurn(tts, 'final');
  } finally {
    await within(10000, tts.close(), 'TTS.close()').catch((error) =>
      emit('error', { where: 'shutdown', message: String(error) }));
  }
  emit('done');
  process.exit(0);
}

main().catch((error) => {
  emit('error', { where: 'main', message: String(error?.stack ?? error).slice(0, 300) });
  process.exit(1);
});
