// A two-channel recording's player: the stored audio is stereo (left the person recording,
// right the meeting's shared audio), which would put each side of the call in one ear.
// Web Audio mixes both channels into both ears; the <audio> element stays the player, so
// its controls, seeking, the captions track and the word-following keep working.
//
// The graph is built on the first play (a user gesture, so the AudioContext may start):
// element → ChannelSplitter → both channels summed into one mono gain → the speakers.

const player = document.getElementById("player");
// Two voices summed can exceed full scale; −3 dB keeps a loud overlap from clipping.
const MIX_GAIN = Math.SQRT1_2;
let context = null;

function buildMix() {
  context = new AudioContext();
  const source = new MediaElementAudioSourceNode(context, { mediaElement: player });
  const splitter = new ChannelSplitterNode(context, { numberOfOutputs: 2 });
  const mix = new GainNode(context, {
    gain: MIX_GAIN,
    channelCount: 1,
    channelCountMode: "explicit",
    channelInterpretation: "speakers",
  });
  source.connect(splitter);
  splitter.connect(mix, 0);
  splitter.connect(mix, 1);
  mix.connect(context.destination); // mono into a stereo output: the same in both ears
  player.dataset.mixed = "true";
}

function onPlay() {
  try {
    if (!context) buildMix();
    if (context.state === "suspended") context.resume().catch(() => {});
  } catch (error) {
    // Without Web Audio the element plays on its own: each side in one ear, still audible.
    player.dataset.mixed = "false";
    console.warn("Playing the two channels unmixed:", error.message);
  }
}

if (player && player.dataset.channels === "2" && window.AudioContext) {
  player.addEventListener("play", onPlay);
}
