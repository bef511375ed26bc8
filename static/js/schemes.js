// Scheme pages. A form with data-confirm asks before it is sent (inline handlers are barred
// by the Content Security Policy). The editor: add, remove and move list rows, show the fields
// of the chosen type, and switch optional sections on and off. Row indices in field names
// only identify rows: the server reads rows in page order, so moving a row is moving it.
(function () {
  "use strict";

  document.addEventListener("submit", (event) => {
    const confirming = event.target.closest("form[data-confirm]");
    if (confirming && !window.confirm(confirming.dataset.confirm)) {
      event.preventDefault();
    }
  });

  const form = document.getElementById("scheme-editor");
  if (!form) {
    return;
  }

  function directRows(list) {
    const body = list.querySelector(":scope > [data-rows-body]");
    return body ? Array.from(body.children).filter((el) => el.hasAttribute("data-row")) : [];
  }

  function relabel(list) {
    directRows(list).forEach((row, position) => {
      const label = row.querySelector(":scope > div > [data-row-label]");
      if (label) {
        label.textContent = row.dataset.noun + " " + (position + 1);
      }
    });
  }

  function nextIndex(list) {
    const used = directRows(list).map((row) => Number(row.dataset.row) || 0);
    return used.length ? Math.max(...used) + 1 : 0;
  }

  async function addRow(button) {
    const list = button.closest("[data-rows]");
    const params = new URLSearchParams({
      method: form.dataset.method,
      path: list.dataset.rows,
      index: String(nextIndex(list)),
    });
    button.disabled = true;
    try {
      const response = await fetch(form.dataset.rowUrl + "?" + params.toString(), {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      });
      if (!response.ok) {
        return;
      }
      const holder = document.createElement("div");
      holder.innerHTML = await response.text();
      const row = holder.firstElementChild;
      list.querySelector(":scope > [data-rows-body]").appendChild(row);
      relabel(list);
      const first = row.querySelector("input:not([type=hidden]), select");
      if (first) {
        first.focus();
      }
    } finally {
      button.disabled = false;
    }
  }

  function moveRow(button, direction) {
    const row = button.closest("[data-row]");
    const list = row.closest("[data-rows]");
    if (direction === "up" && row.previousElementSibling) {
      row.parentNode.insertBefore(row, row.previousElementSibling);
    } else if (direction === "down" && row.nextElementSibling) {
      row.parentNode.insertBefore(row.nextElementSibling, row);
    }
    relabel(list);
    button.focus();
  }

  function removeRow(button) {
    const row = button.closest("[data-row]");
    const list = row.closest("[data-rows]");
    const neighbour = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    relabel(list);
    const focusTarget = neighbour
      ? neighbour.querySelector("[data-remove-row]")
      : list.querySelector(":scope > [data-add-row]");
    if (focusTarget) {
      focusTarget.focus();
    }
  }

  function showVariant(select) {
    document
      .querySelectorAll('[data-variant-of="' + CSS.escape(select.id) + '"]')
      .forEach((option) => {
        option.hidden = option.dataset.variant !== select.value;
      });
  }

  function toggleBody(checkbox) {
    const body = document.getElementById(checkbox.dataset.toggles);
    if (body) {
      body.hidden = !checkbox.checked;
    }
  }

  form.addEventListener("click", (event) => {
    const add = event.target.closest("[data-add-row]");
    if (add) {
      addRow(add);
      return;
    }
    const move = event.target.closest("[data-move]");
    if (move) {
      moveRow(move, move.dataset.move);
      return;
    }
    const remove = event.target.closest("[data-remove-row]");
    if (remove) {
      removeRow(remove);
    }
  });

  form.addEventListener("change", (event) => {
    const target = event.target;
    if (target.matches("select[data-switch]")) {
      showVariant(target);
    } else if (target.matches("input[data-toggles]")) {
      toggleBody(target);
    } else if (target.matches("select[data-refresh]")) {
      // Another method has other sections: the server draws them, keeping what was typed.
      const action = document.createElement("input");
      action.type = "hidden";
      action.name = "action";
      action.value = "refresh";
      form.appendChild(action);
      form.submit();
    }
  });
})();
