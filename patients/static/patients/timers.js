// The step page's exercise timer and breathing guide. A static file, since the pages' Content
// Security Policy allows no inline script; every number and word comes from the page's data
// attributes (the template writes them from the step's content), none is written here.
"use strict";

const VIBRATE_DONE = [200, 100, 200];

function mmss(seconds) {
  const whole = Math.max(0, Math.ceil(seconds));
  const minutes = String(Math.floor(whole / 60)).padStart(2, "0");
  return `${minutes}:${String(whole % 60).padStart(2, "0")}`;
}

// The end cue: a visible "Done" and, on phones that can, a short buzz.
function cueDone(box) {
  box.querySelector(".timer-done").hidden = false;
  if (typeof navigator.vibrate === "function") {
    navigator.vibrate(VIBRATE_DONE);
  }
}

// A countdown that can pause: counts from wall-clock time, so a busy or backgrounded phone
// never makes it run slow.
function countdown(total, onTick, onEnd) {
  let left = total;
  let startedAt = null;
  let interval = null;
  function tick() {
    const remaining = left - (Date.now() - startedAt) / 1000;
    onTick(remaining);
    if (remaining <= 0) {
      clearInterval(interval);
      interval = null;
      onEnd();
    }
  }
  return {
    start() {
      startedAt = Date.now();
      interval = setInterval(tick, 250);
    },
    pause() {
      left -= (Date.now() - startedAt) / 1000;
      clearInterval(interval);
      interval = null;
    },
    running: () => interval !== null,
  };
}

function setUpTimer(box) {
  const total = Number(box.dataset.seconds);
  const clock = box.querySelector(".clock");
  const bar = box.querySelector(".bar");
  const start = box.querySelector("[data-start]");
  const pause = box.querySelector("[data-pause]");
  const timer = countdown(
    total,
    (remaining) => {
      clock.textContent = mmss(remaining);
      bar.style.transform = `scaleX(${Math.max(0, remaining) / total})`;
    },
    () => {
      pause.hidden = true;
      cueDone(box);
    },
  );
  start.addEventListener("click", () => {
    start.hidden = true;
    pause.hidden = false;
    timer.start();
  });
  pause.addEventListener("click", () => {
    if (timer.running()) {
      timer.pause();
      pause.textContent = box.dataset.resume;
    } else {
      timer.start();
      pause.textContent = box.dataset.pause;
    }
  });
  box.querySelector(".controls").hidden = false;
}

// One breath as phases of whole seconds: in, an optional hold, out.
function phases(box) {
  const list = [
    { word: box.dataset.inWord, seconds: Number(box.dataset.inhale), grow: true },
    { word: box.dataset.holdWord, seconds: Number(box.dataset.hold), grow: true },
    { word: box.dataset.outWord, seconds: Number(box.dataset.exhale), grow: false },
  ];
  return list.filter((phase) => phase.seconds > 0);
}

// The guide counts the seconds in words ("Breathe in… 1 2 3 4"), which is all a reader who
// asked for reduced motion gets; the circle grows and shrinks over the same seconds for others.
function setUpBreathing(box) {
  const breath = phases(box);
  const circle = box.querySelector(".breath");
  const count = box.querySelector(".breath-count");
  const start = box.querySelector("[data-start]");
  const stop = box.querySelector("[data-stop]");
  let interval = null;
  let elapsed = 0;

  const cycle = breath.reduce((sum, phase) => sum + phase.seconds, 0);

  // The phase `elapsed` seconds into the exercise, and the second within it (from 0).
  function phaseNow() {
    let second = elapsed % cycle;
    for (const phase of breath) {
      if (second < phase.seconds) {
        return [phase, second];
      }
      second -= phase.seconds;
    }
    throw new Error("unreachable: second < cycle");
  }
  function show() {
    const [phase, second] = phaseNow();
    const counted = Array.from({ length: second + 1 }, (_, i) => i + 1).join(" ");
    count.textContent = `${phase.word}… ${counted}`;
    if (second === 0) {
      circle.style.transitionDuration = `${phase.seconds}s`;
      circle.classList.toggle("full", phase.grow);
    }
  }
  function end() {
    clearInterval(interval);
    interval = null;
    start.hidden = false;
    stop.hidden = true;
    circle.classList.remove("full");
  }
  start.addEventListener("click", () => {
    box.querySelector(".timer-done").hidden = true;
    elapsed = 0;
    start.hidden = true;
    stop.hidden = false;
    show();
    interval = setInterval(() => {
      elapsed += 1;
      if (elapsed >= Number(box.dataset.seconds)) {
        end();
        count.textContent = "";
        cueDone(box);
      } else {
        show();
      }
    }, 1000);
  });
  stop.addEventListener("click", end);
  box.querySelector(".controls").hidden = false;
}

document.querySelectorAll(".timer[data-seconds]").forEach(setUpTimer);
document.querySelectorAll(".breathing[data-inhale]").forEach(setUpBreathing);
