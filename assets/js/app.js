// OC Pizza: progressive enhancement only; every page works without JavaScript.
document.documentElement.classList.add("js");

// An order form's running total: quantity × price of each pizza, as the server formats
// euros ("1 234,50 €").
(function () {
  var output = document.querySelector("[data-running-total]");
  if (!output) return;
  var form = output.closest("form");
  function euros(cents) {
    var whole = String(Math.floor(cents / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, "\u202f");
    var rest = String(cents % 100);
    return whole + "," + (rest.length < 2 ? "0" + rest : rest) + "\u00a0€";
  }
  function update() {
    var cents = 0;
    form.querySelectorAll("input[data-price-cents]").forEach(function (input) {
      var quantity = parseInt(input.value, 10);
      if (quantity > 0) cents += quantity * parseInt(input.getAttribute("data-price-cents"), 10);
    });
    output.textContent = euros(cents);
  }
  form.addEventListener("input", update);
})();

// The cart's message floats at the bottom of the menu: a button puts it away.
(function () {
  var close = document.querySelector(".toast-close");
  if (!close) return;
  close.hidden = false;
  close.addEventListener("click", function () { close.parentNode.remove(); });
})();

// Live screens (kitchen, delivery, counter, an order's page): the server sends an event
// when something changed; the screen then re-reads its queue. A lost connection is said
// on screen, and the browser reconnects by itself; on every (re)connection the queue is
// re-read, so nothing that happened meanwhile is missed.
(function () {
  var region = document.querySelector("[data-live][data-events]");
  if (!region || !window.EventSource) return;
  var state = document.getElementById("live-state");
  var pending = null;

  function say(text, kind) {
    if (!state) return;
    state.textContent = text;
    state.setAttribute("data-state", kind);
  }

  // An order's page reloads itself; a staff screen re-reads its queue.
  var reload = region.hasAttribute("data-reload");
  var connected = false;
  var last = null;

  function refresh() {
    if (reload) {
      window.location.reload();
      return;
    }
    if (pending) return;
    pending = setTimeout(function () {
      pending = null;
      fetch(region.getAttribute("data-live"), { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error("HTTP " + response.status);
          return response.text();
        })
        .then(function (html) {
          // Unchanged: leave the page alone (a tap in progress is not disturbed).
          if (html === last) return;
          last = html;
          patch(html);
          tick();
        })
        .catch(function () {
          say("⚠ Mise à jour impossible — vérifiez la connexion ou rechargez la page.", "lost");
        });
    }, 50);
  }

  // A ticket someone is working on: a panel opened (a cancellation), a field focused or
  // typed in (a reason, a cash amount).
  function engaged(ticket) {
    if (ticket.querySelector("details[open]")) return true;
    var active = document.activeElement;
    if (active && ticket.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) return true;
    return Array.prototype.some.call(ticket.querySelectorAll("input:not([type=hidden]), textarea"), function (field) {
      return field.value !== field.defaultValue;
    });
  }

  // The new queue replaces the old one, except the tickets being worked on: those stay as
  // they are (typed text, open panel, focus and caret), in their new place. If the order
  // changed meanwhile, the server refuses the stale form with a message.
  function patch(html) {
    var next = document.createElement("div");
    next.innerHTML = html;
    var active = document.activeElement;
    var caret = active && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
    var keep = false;
    region.querySelectorAll("article.ticket[id]").forEach(function (ticket) {
      if (!engaged(ticket)) return;
      var fresh = next.querySelector("#" + CSS.escape(ticket.id));
      if (!fresh) return; // the order left this screen: nothing left to do on it here
      fresh.parentNode.replaceChild(ticket, fresh);
      keep = true;
    });
    region.replaceChildren.apply(region, Array.prototype.slice.call(next.childNodes));
    if (keep && active && region.contains(active) && document.activeElement !== active) {
      active.focus();
      if (caret) {
        try { active.setSelectionRange(caret[0], caret[1]); } catch (e) { /* not a text field */ }
      }
    }
  }

  var source = new EventSource(region.getAttribute("data-events"));
  source.addEventListener("hello", function () {
    say("● En direct", "live");
    if (reload) {
      if (connected) window.location.reload(); // back after a lost connection: catch up
      connected = true;
      return;
    }
    refresh();
  });
  source.addEventListener("change", refresh);
  source.addEventListener("resync", refresh);
  source.addEventListener("error", function () {
    if (source.readyState === EventSource.CLOSED) {
      say("⚠ Connexion perdue — rechargez la page (session expirée ?).", "lost");
    } else {
      say("⚠ Connexion perdue — nouvelle tentative en cours…", "lost");
    }
  });

  // The waiting time on each ticket, kept current between events.
  var warn = parseInt(region.getAttribute("data-warn") || "15", 10);
  var late = parseInt(region.getAttribute("data-late") || "25", 10);
  function tick() {
    var now = Date.now() / 1000;
    region.querySelectorAll("[data-late-after]").forEach(function (node) {
      node.hidden = now <= parseInt(node.getAttribute("data-late-after"), 10);
    });
    region.querySelectorAll("[data-since]").forEach(function (node) {
      var minutes = Math.floor((now - parseInt(node.getAttribute("data-since"), 10)) / 60);
      var ticket = node.closest(".ticket");
      var level = minutes < 0 ? "upcoming" : minutes >= late ? "late" : minutes >= warn ? "watch" : "fine";
      node.textContent =
        level === "upcoming" ? (minutes < -60 ? "⌛ à venir" : "⌛ à lancer dans " + -minutes + " min")
        : level === "late" ? "⛔ " + minutes + " min — en retard"
        : level === "watch" ? "⚠ " + minutes + " min — à surveiller"
        : "◷ " + minutes + " min";
      if (ticket) {
        ticket.classList.remove("wait-upcoming", "wait-fine", "wait-watch", "wait-late");
        ticket.classList.add("wait-" + level);
      }
    });
  }
  setInterval(tick, 30000);
})();
