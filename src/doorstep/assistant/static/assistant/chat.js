// The debtor chat: talks to /api/v1/assistant with the conversation token kept for this tab only.
(function () {
  "use strict";
  const body = document.body;
  const api = body.dataset.api;
  const lang = body.dataset.lang;
  const log = document.getElementById("log");
  const status = document.getElementById("status");
  const text = (id) => document.getElementById(id).innerHTML.trim();
  let token = sessionStorage.getItem("assistant-token");

  async function call(path, data, method) {
    const headers = { "Content-Type": "application/json" };
    if (token) headers["X-Conversation-Token"] = token;
    const response = await fetch(api + path, {
      method: method || "POST",
      headers: headers,
      body: data === undefined ? undefined : JSON.stringify(data),
      credentials: "omit",
    });
    const json = await response.json().catch(() => ({}));
    if (!response.ok) {
      const failure = new Error((json.error && json.error.message) || text("t-error"));
      failure.code = json.error && json.error.code;
      throw failure;
    }
    return json;
  }

  async function conversation() {
    if (!token) {
      token = (await call("/conversations", { lang: lang })).token;
      sessionStorage.setItem("assistant-token", token);
    }
  }

  function say(who, message, sources) {
    const item = document.createElement("li");
    item.className = "from-" + who;
    item.textContent = message;
    if (sources && sources.length) {
      const list = document.createElement("span");
      list.className = "sources";
      list.append(text("t-sources") + " ");
      sources.forEach((source, i) => {
        const link = document.createElement("a");
        link.href = "/assistant/articles/" + source.slug + "/?lang=" + lang;
        link.textContent = source.title;
        if (i) list.append(" · ");
        list.append(link);
      });
      item.append(list);
    }
    log.append(item);
    item.scrollIntoView({ block: "end" });
  }

  function showSummary(summary) {
    const list = document.getElementById("summary");
    list.replaceChildren();
    [[text("t-owed"), summary.past_due], [text("t-total"), summary.outstanding],
     [text("t-asof"), summary.arrears_as_of]].forEach(([label, value]) => {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    });
    document.getElementById("identity").hidden = true;
    document.getElementById("confirm").hidden = true;
    document.getElementById("account").hidden = false;
  }

  document.getElementById("ask").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("question");
    const question = input.value.trim();
    if (!question) return;
    say("debtor", question);
    input.value = "";
    try {
      await conversation();
      const answer = await call("/messages", { question: question });
      say("assistant", answer.answer, answer.sources);
    } catch (error) {
      say("assistant", error.message);
    }
  });

  document.getElementById("identity").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await conversation();
      const form = event.target;
      const reply = await call("/identity", { phone: form.phone.value, id_last4: form.id_last4.value });
      status.textContent = reply.message;
      document.getElementById("confirm").hidden = false;
      document.getElementById("code").focus();
    } catch (error) {
      status.textContent = error.message;
    }
  });

  document.getElementById("confirm").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      showSummary(await call("/identity/confirm", { code: event.target.code.value }));
      status.textContent = "";
      await loadPlans();
    } catch (error) {
      status.textContent = error.message;
      if (error.code === "contact_blocked") {
        // Verified, but a hold stops talking about the debt here: a person is still reachable.
        document.getElementById("identity").hidden = true;
        document.getElementById("confirm").hidden = true;
        document.getElementById("account").hidden = false;
        document.querySelectorAll("#account button[data-kind]").forEach((button) => {
          button.hidden = !["handoff", "complaint"].includes(button.dataset.kind);
        });
      }
    }
  });

  const requestForm = document.getElementById("request");

  function openRequest(kind, title, option) {
    requestForm.kind.value = kind;
    requestForm.option.value = option === undefined ? "" : String(option);
    document.getElementById("request-title").textContent = title;
    const timed = kind === "callback";
    document.getElementById("when").hidden = !timed;
    document.getElementById("when-label").hidden = !timed;
    document.getElementById("when").required = timed;
    const promised = kind === "promise";
    ["amount", "amount-label", "on", "on-label"].forEach((id) => {
      document.getElementById(id).hidden = !promised;
    });
    document.getElementById("amount").required = promised;
    document.getElementById("on").required = promised;
    document.getElementById("note").required = kind === "hardship" || kind === "complaint";
    requestForm.hidden = false;
    document.getElementById("note").focus();
  }

  async function loadPlans() {
    const list = document.getElementById("plans");
    list.replaceChildren();
    const choices = await call("/plans", undefined, "GET");
    if (!choices.length) {
      const item = document.createElement("li");
      item.textContent = text("t-no-plans");
      list.append(item);
    }
    choices.forEach((choice) => {
      const item = document.createElement("li");
      item.className = "plan";
      const title = document.createElement("strong");
      title.textContent = choice.name;
      const facts = document.createElement("span");
      facts.textContent = choice.months + " " + text("t-months") + " · " + text("t-first") + " " +
        choice.first_amount + " · " + text("t-plan-total") + " " + choice.total;
      item.append(title, facts);
      if (choice.active) {
        title.textContent = text("t-current") + " " + choice.name;
        list.append(item);
        return;
      }
      const button = document.createElement("button");
      button.type = "button";
      if (choice.plan_id !== null) {
        button.textContent = text("t-accept");
        button.addEventListener("click", async () => {
          try {
            const accepted = await call("/plans/" + choice.plan_id + "/accept", {});
            status.textContent = accepted.message;
            say("assistant", accepted.message);
            await loadPlans();
          } catch (error) {
            status.textContent = error.message;
          }
        });
      } else {
        button.textContent = text("t-ask-plan");
        button.addEventListener("click", () => openRequest("plan", choice.name, choice.option));
      }
      item.append(button);
      list.append(item);
    });
  }

  document.querySelectorAll("#account button[data-kind]").forEach((button) => {
    button.addEventListener("click", () => openRequest(button.dataset.kind, button.textContent));
  });

  document.getElementById("cancel").addEventListener("click", () => {
    requestForm.hidden = true;
  });

  requestForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = { kind: requestForm.kind.value, note: requestForm.note.value };
    if (requestForm.option.value !== "") data.option = Number(requestForm.option.value);
    if (data.kind === "callback") data.at = requestForm.when.value + ":00+08:00";
    if (data.kind === "promise") {
      data.amount = requestForm.amount.value;
      data.on = requestForm.on.value;
    }
    try {
      const task = data.kind === "complaint"
        ? await call("/complaints", { description: data.note })
        : await call("/requests", data);
      status.textContent = task.message;
      say("assistant", task.message);
      requestForm.reset();
      requestForm.hidden = true;
    } catch (error) {
      status.textContent = error.message;
    }
  });
}());
