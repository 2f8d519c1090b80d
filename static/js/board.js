// The pipeline board: drag a card to another stage. The server checks the gates; a refusal shows the
// checklist of what is missing (guidance items may be passed with a note) and the card goes back.
(() => {
  const board = document.getElementById("board");
  if (!board || !window.Sortable) return;
  const token = document.querySelector("#board-csrf input[name=csrfmiddlewaretoken]").value;
  const moveUrl = (id) => board.dataset.moveUrl.replace("/0/", `/${id}/`);
  const dialogEl = document.getElementById("gate-dialog");
  const dialog = new bootstrap.Modal(dialogEl);
  let pending = null; // the move waiting for notes: {card, stage}

  function putBack(event) {
    const { item, from, oldIndex } = event;
    from.insertBefore(item, from.children[oldIndex] || null);
  }

  function show(error, card, stage) {
    document.getElementById("gate-message").textContent = error.message;
    const list = document.getElementById("gate-missing");
    list.replaceChildren();
    for (const name of (error.fields && (error.fields.gate || [])) || []) {
      const li = document.createElement("li");
      li.textContent = name;
      list.append(li);
    }
    const notes = document.getElementById("gate-notes");
    const fields = document.getElementById("gate-note-fields");
    const goOn = document.getElementById("gate-go-on");
    fields.replaceChildren();
    const guidance = error.code === "guidance_needs_note" ? error.requirements || [] : [];
    notes.classList.toggle("d-none", guidance.length === 0);
    goOn.classList.toggle("d-none", guidance.length === 0);
    for (const requirement of guidance) {
      const label = document.createElement("label");
      label.className = "form-label small mt-2";
      label.htmlFor = `note-${requirement.id}`;
      label.textContent = requirement.name;
      const input = document.createElement("input");
      input.className = "form-control form-control-sm";
      input.id = `note-${requirement.id}`;
      input.name = `note-${requirement.id}`;
      input.required = true;
      fields.append(label, input);
    }
    pending = guidance.length ? { card, stage } : null;
    dialog.show();
  }

  async function move(card, stage, extra) {
    const body = new FormData();
    body.append("stage", stage);
    body.append("version", card.dataset.version);
    for (const [key, value] of Object.entries(extra || {})) body.append(key, value);
    const response = await fetch(moveUrl(card.dataset.id), {
      method: "POST",
      headers: { "X-CSRFToken": token, Accept: "application/json" },
      body,
      credentials: "same-origin",
    });
    const data = await response.json();
    if (!response.ok) return { ok: false, error: data.error };
    card.dataset.version = data.version;
    return { ok: true };
  }

  async function dropped(event) {
    if (event.from === event.to) return;
    const card = event.item;
    const stage = event.to.dataset.stage;
    if (event.to.dataset.category === "lost") {
      putBack(event);
      window.location.href = `${card.querySelector("a").href}#lose`;
      return;
    }
    const result = await move(card, stage);
    if (result.ok) {
      window.location.reload();
    } else {
      putBack(event);
      show(result.error, card, stage);
    }
  }

  document.getElementById("gate-go-on").addEventListener("click", async () => {
    if (!pending) return;
    const extra = {};
    let complete = true;
    for (const input of document.querySelectorAll("#gate-note-fields input")) {
      if (!input.value.trim()) complete = false;
      extra[input.name] = input.value;
    }
    if (!complete) return;
    const result = await move(pending.card, pending.stage, extra);
    if (result.ok) window.location.reload();
    else show(result.error, pending.card, pending.stage);
  });

  for (const list of board.querySelectorAll(".ltc-board-cards")) {
    // The fallback drags with pointer events: it works the same with a mouse, a finger and a test browser.
    Sortable.create(list, { group: "board", animation: 120, draggable: ".ltc-card", forceFallback: true, onEnd: dropped });
  }
})();
