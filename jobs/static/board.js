// The shop-floor board (docs/api.md, The board). It reads the head of the event feed, then
// every job, and then polls GET /api/events?after=<last id> every POLL_MS: only the jobs
// those events name are fetched again. A failed or slow poll marks the board "offline" and
// the next poll tries again. With authentication on, a viewer token is asked for once, kept
// in localStorage and sent as an Authorization header (never in a URL). When the jobs do not
// fit on the screen, they are shown a screenful at a time, each for PAGE_MS.
"use strict";
(() => {
  const POLL_MS = 1500;
  const TIMEOUT_MS = 4000;
  const PARALLEL = 4;
  const TOKEN_KEY = "shop-jobs.board.token";
  const PAGE_MS = 1000 * (Number(new URLSearchParams(location.search).get("pageSeconds")) || 10);
  const authRequired = document.body.dataset.auth === "true";
  const jobs = new Map();
  const element = (id) => document.getElementById(id);
  let lastEventId = null;
  let page = 0;

  class Refused extends Error {}

  async function api(path) {
    const headers = { Accept: "application/json" };
    const token = authRequired && localStorage.getItem(TOKEN_KEY);
    if (token) headers.Authorization = `Bearer ${token}`;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(path, { headers, signal: abort.signal, cache: "no-store" });
      if (response.status === 401) throw new Refused();
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`${path}: ${response.status}`);
      return await response.json();
    } finally {
      clearTimeout(timer);
    }
  }

  async function refresh(ids) {
    const queue = [...ids];
    const worker = async () => {
      while (queue.length) {
        const id = queue.shift();
        const job = await api(`/api/jobs/${encodeURIComponent(id)}`);
        if (job) jobs.set(id, job);
        else jobs.delete(id);
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
  }

  async function start() {
    const head = await api("/api/events/head");
    const listed = await api("/api/jobs");
    await refresh(listed.map((job) => job.id));
    lastEventId = head ? head.id : 0;
  }

  async function poll() {
    const events = await api(`/api/events?after=${lastEventId}&limit=1000`);
    if (!events.length) return;
    await refresh(new Set(events.map((event) => event.jobId)));
    lastEventId = events[events.length - 1].id;
  }

  function make(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function bar(counts, goal) {
    const whole = Math.max(goal, counts.reduce((sum, [, n]) => sum + n, 0), 1);
    const node = make("div", "bar");
    for (const [kind, n] of counts) {
      const part = make("span", kind);
      part.style.width = `${(100 * n) / whole}%`;
      node.append(part);
    }
    return node;
  }

  function steps(path) {
    const list = make("ul", "steps");
    for (const step of path.steps) {
      const item = make("li", "", `${step.name} `);
      item.append(make("b", "", String(step.waiting)));
      if (step.onHold) item.append(make("span", "hold", `on hold ${step.onHold}`));
      list.append(item);
    }
    return list;
  }

  function card(job) {
    const p = job.progress;
    const held = p.totalOnHold || 0;
    const counts = [["done", p.totalCompleted], ["busy", p.totalInProgress], ["held", held],
      ["scrap", p.totalScrapped]];
    const node = make("section", held ? "job has-hold" : "job");
    node.dataset.jobId = job.id;
    node.append(make("h2", "", job.name), make("p", "key", job.jiraTicketKey || ""),
      bar(counts, p.totalGoal));
    const numbers = make("p", "counts");
    numbers.append(make("span", "n-done", `${p.totalCompleted} done`),
      make("span", "n-busy", `${p.totalInProgress} in progress`));
    if (held) numbers.append(make("span", "n-held", `${held} on hold`));
    numbers.append(make("span", "n-scrap", `${p.totalScrapped} scrapped`),
      make("span", "n-goal", `goal ${p.totalGoal}`));
    node.append(numbers);
    for (const path of p.pathProgress) {
      node.append(make("p", "path", `${path.pathName}: ${path.completed} of ${path.goal} done`));
      if (path.steps) node.append(steps(path));
    }
    return node;
  }

  function render() {
    const active = [...jobs.values()].filter(
      (job) => job.progress.totalInProgress > 0 || job.progress.totalOnHold > 0);
    const held = (job) => job.progress.totalOnHold || 0;
    active.sort((a, b) => held(b) - held(a) || (a.createdAt < b.createdAt ? -1 : 1));
    element("jobs").replaceChildren(...active.map(card));
    element("empty").hidden = active.length > 0;
    paginate();
  }

  // Cards in screenfuls: a grid row that would end below the screen starts the next page.
  function pages() {
    const cards = [...element("jobs").children];
    cards.forEach((node) => { node.hidden = false; });
    const room = window.innerHeight - element("jobs").getBoundingClientRect().top;
    const split = [];
    let top = null;
    for (const node of cards) {
      const box = node.getBoundingClientRect();
      if (top === null || box.bottom - top > room) {
        top = box.top;
        split.push([]);
      }
      split[split.length - 1].push(node);
    }
    return split;
  }

  function paginate() {
    const split = pages();
    page = split.length ? page % split.length : 0;
    split.forEach((nodes, index) => nodes.forEach((node) => { node.hidden = index !== page; }));
    const label = element("page");
    label.hidden = split.length < 2;
    label.textContent = `page ${page + 1} of ${split.length}`;
  }

  setInterval(() => {
    page += 1;
    paginate();
  }, PAGE_MS);

  function showStatus(online) {
    const status = element("status");
    status.textContent = online ? "live" : "offline";
    status.className = `status ${online ? "live" : "offline"}`;
    if (online) element("updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  }

  function askForToken(refused) {
    const form = element("login");
    element("login-note").textContent = refused
      ? "That token was refused: enter a viewer token."
      : "This board needs a viewer token. It is kept in this browser.";
    form.hidden = false;
    element("token").focus();
  }

  element("login").addEventListener("submit", (event) => {
    event.preventDefault();
    localStorage.setItem(TOKEN_KEY, element("token").value.trim());
    element("token").value = "";
    element("login").hidden = true;
    tick();
  });

  async function tick() {
    try {
      if (lastEventId === null) await start();
      else await poll();
      render();
      showStatus(true);
    } catch (error) {
      if (error instanceof Refused) {
        localStorage.removeItem(TOKEN_KEY);
        askForToken(true);
        return;
      }
      showStatus(false);
    }
    setTimeout(tick, POLL_MS);
  }

  if (authRequired && !localStorage.getItem(TOKEN_KEY)) askForToken(false);
  else tick();
})();
