/* The story form's safety net: nothing typed is lost at the seams.
 *
 * - Leaving the page with unsaved changes asks first (beforeunload); pressing Save or a
 *   workflow button does not (they submit the form, which saves the changes).
 * - Every few seconds a changed form is autosaved to a private copy for this person only
 *   (not a revision); reopening the story offers it back. Back to the saved text, the copy
 *   is dropped.
 * - A heartbeat keeps this page's soft lock on the story and says who else has it open;
 *   closing the tab releases the lock at once (sendBeacon on pagehide).
 *
 * Settings come from the data attributes of #story-form-state (no inline script: CSP).
 */
(function () {
  "use strict";

  // What the page posts that is not the story (the workflow panel's own inputs included).
  const NOT_CONTENT = new Set([
    "csrfmiddlewaretoken", "_workflow", "lock_token",
    "note", "publish_at", "unpublish_at", "kind", "text",
  ]);
  // Row counts of the inline forms: the story is the rows' contents, not how many were shown.
  const MANAGEMENT = /-(TOTAL|INITIAL|MIN_NUM|MAX_NUM)_FORMS$/;

  function start() {
    const state = document.getElementById("story-form-state");
    const form = document.getElementById("article_form");
    if (!state || !form) return;
    const config = state.dataset;
    const statusLine = document.getElementById("autosave-status");

    const csrfToken = () => {
      const field = form.querySelector("[name=csrfmiddlewaretoken]");
      return field ? field.value : "";
    };
    const fields = () => {
      const pairs = [];
      for (const [name, value] of new FormData(form)) {
        if (typeof value === "string" && !NOT_CONTENT.has(name)) pairs.push([name, value]);
      }
      return pairs;
    };
    const content = (pairs) => JSON.stringify(pairs.filter(([name]) => !MANAGEMENT.test(name)));
    const post = (url, body) => fetch(url, {
      method: "POST",
      body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    });
    const say = (text) => { if (statusLine) statusLine.textContent = text; };

    // The story as saved. A page that already holds unsaved text (a restored autosave, a
    // save refused with the text kept) has none: it counts as changed until it is saved.
    const baseline = config.unsaved ? null : content(fields());
    let kept = baseline;
    let submitting = false;
    const changed = () => content(fields()) !== baseline;

    form.addEventListener("submit", () => { submitting = true; });
    window.addEventListener("pageshow", (event) => { if (event.persisted) submitting = false; });
    window.addEventListener("beforeunload", (event) => {
      if (!submitting && changed()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });

    // Enter in a workflow input (a send-back note, a schedule time) presses its own button.
    for (const input of document.querySelectorAll("[data-enter-clicks]")) {
      input.addEventListener("keydown", (event) => {
        if (event.key !== "Enter") return;
        event.preventDefault();
        const button = document.getElementById(input.dataset.enterClicks);
        if (button) button.click();
      });
    }

    let saving = false;
    async function autosave() {
      if (submitting || saving) return;
      const pairs = fields();
      const now = content(pairs);
      if (now === kept) return;
      const body = new URLSearchParams();
      if (now === baseline) body.append("_discard", "1");
      else for (const [name, value] of pairs) body.append(name, value);
      saving = true;
      try {
        const response = await post(config.autosaveUrl, body);
        if (response.status === 409) {
          kept = now;
          say("You have saved this story from another page since this one was opened: changes here are not kept in the background, and saving them would be refused. Copy what you need, then reload.");
          return;
        }
        if (!response.ok) throw new Error(String(response.status));
        kept = now;
        if (now === baseline) say("");
        else {
          const answer = await response.json();
          say(`Unsaved changes kept for you at ${answer.saved_at} (only you see them until you save).`);
        }
      } catch (error) {
        say("Could not keep a copy of your changes (is the connection lost?). Keep this tab open and save when you can.");
      } finally {
        saving = false;
      }
    }
    if (config.autosaveUrl) {
      window.setInterval(autosave, 1000 * Number(config.autosaveSeconds || 5));
    }

    if (!config.heartbeatUrl) return;
    const notice = document.querySelector("[data-lock-notice]");
    function showHolder(holder) {
      if (!notice) return;
      if (holder) {
        notice.querySelector("[data-lock-name]").textContent = holder.name;
        notice.querySelector("[data-lock-since]").textContent = holder.since;
      }
      notice.hidden = !holder;
    }
    const stale = document.querySelector("[data-stale-notice]");
    function showNewer(newer) {
      if (!stale) return;
      if (newer) {
        stale.querySelector("[data-stale-by]").textContent = newer.by;
        stale.querySelector("[data-stale-revision]").textContent = newer.revision;
      }
      stale.hidden = !newer;
    }
    async function heartbeat() {
      const base = form.querySelector("[name=base_revision]");
      const body = new URLSearchParams({ token: config.lockToken, base_revision: base ? base.value : "" });
      try {
        const response = await post(config.heartbeatUrl, body);
        if (!response.ok) return;
        const answer = await response.json();
        showHolder(answer.holder);
        showNewer(answer.newer);
      } catch (error) {
        // Offline: the lock lapses on its own; the next beat takes it back if it is free.
      }
    }
    // The first beat comes a second after the page loads: after the release sent by the page
    // it replaces (sendBeacon on that page's pagehide), so the lock ends up with this page.
    window.setTimeout(heartbeat, 1000);
    window.setInterval(heartbeat, 1000 * Number(config.heartbeatSeconds || 30));
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") heartbeat();
    });
    window.addEventListener("pageshow", (event) => { if (event.persisted) heartbeat(); });
    window.addEventListener("pagehide", () => {
      const body = new FormData();
      body.append("csrfmiddlewaretoken", csrfToken());
      body.append("token", config.lockToken);
      navigator.sendBeacon(config.releaseUrl, body);
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
