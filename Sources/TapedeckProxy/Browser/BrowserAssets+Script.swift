import TapedeckStore
/// The cassette browser's script: routing by `#/` and `#/cassette/<key>`, the list with its filters, a
/// transcript view, live counters, and the `--auth-token` prompt. Every element is made with `createElement`
/// and filled with `textContent`; no string from a cassette is ever parsed as markup.
extension BrowserAssets {
    static let scriptText = #"""
        'use strict';
        (function () {
          const TOKEN_KEY = 'tapedeck-token';
          const ALL = '*';
          const IMAGE_SOURCE = /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+\/=]+$/;
          const main = document.getElementById('main');
          const counters = document.getElementById('counters');
          let listHash = '#/';
          let pollTimer = null;
          let rendering = 0;

          // el('div', {class: 'x'}, 'text', child): an element whose string children become text nodes.
          function el(tag, props, ...children) {
            const node = document.createElement(tag);
            for (const [name, value] of Object.entries(props || {})) {
              if (value === null || value === undefined || value === false) continue;
              if (name === 'class') node.className = value;
              else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
              else node.setAttribute(name, value === true ? '' : String(value));
            }
            for (const child of children.flat()) {
              if (child === null || child === undefined || child === false) continue;
              node.append(child instanceof Node ? child : document.createTextNode(String(child)));
            }
            return node;
          }

          function show(...nodes) {
            main.replaceChildren(...nodes);
          }

          class AuthNeeded extends Error {}

          // A GET of the JSON API, with the token this tab was given (never stored beyond the tab's session).
          async function api(path) {
            const headers = {};
            const token = sessionStorage.getItem(TOKEN_KEY);
            if (token) headers['x-tapedeck-token'] = token;
            const response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit', redirect: 'error' });
            let body = null;
            try { body = await response.json(); } catch (ignored) { body = null; }
            if (response.status === 403 && response.headers.get('x-amzn-ErrorType') === 'AccessDeniedException') {
              throw new AuthNeeded(body && body.message ? body.message : 'this server needs its --auth-token');
            }
            if (!response.ok) throw new Error(body && body.message ? body.message : 'HTTP ' + response.status);
            return body;
          }

          const number = (value) => Number(value || 0).toLocaleString('en-US');
          function dollars(value) {
            if (value === null || value === undefined) return '–';
            const amount = Number(value);
            return '$' + amount.toFixed(amount !== 0 && amount < 0.01 ? 4 : 2);
          }
          function when(stamp) {
            const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(stamp || '');
            return match ? match[1] + ' ' + match[2] : (stamp || '–');
          }
          const tokens = (saved) => number(saved.input + saved.output);
          // An inference-profile ARN is listed by the model id after its last "/"; the full id is the cell's title.
          const shortModel = (model) => model.slice(model.lastIndexOf('/') + 1);

          function route() {
            const hash = location.hash.replace(/^#/, '') || '/';
            const mark = hash.indexOf('?');
            const path = mark < 0 ? hash : hash.slice(0, mark);
            const params = new URLSearchParams(mark < 0 ? '' : hash.slice(mark + 1));
            const cassette = /^\/cassette\/([0-9a-f]{64})$/.exec(path);
            const run = ++rendering;
            const current = () => run === rendering;
            const done = cassette ? showCassette(cassette[1], params.get('namespace') || '', current) : showList(params, current);
            done.catch((error) => {
              if (!current()) return;
              if (error instanceof AuthNeeded) showTokenForm(error.message);
              else show(el('p', { class: 'error' }, 'Could not load: ' + error.message));
            });
          }

          function listLink(params) {
            const query = params.toString();
            return '#/' + (query ? '?' + query : '');
          }

          // The cassette list: search, filters, one page of rows, and a pager.
          async function showList(params, current) {
            const query = new URLSearchParams();
            for (const name of ['q', 'model', 'namespace', 'offset']) {
              if (params.has(name)) query.set(name, params.get(name));
            }
            const page = await api('/_tapedeck/api/cassettes?' + query.toString());
            if (!current()) return;
            listHash = listLink(params);
            startPolling();

            const search = el('input', { type: 'search', name: 'q', placeholder: 'Search conversations and answers…', 'aria-label': 'Search' });
            search.value = params.get('q') || '';
            const model = el('select', { name: 'model', 'aria-label': 'Model' }, el('option', { value: '' }, 'All models'),
              page.models.map((name) => el('option', { value: name }, name)));
            model.value = params.get('model') || '';
            const namespace = el('select', { name: 'namespace', 'aria-label': 'Namespace' }, el('option', { value: ALL }, 'All namespaces'),
              page.namespaces.map((name) => el('option', { value: name }, name === '' ? 'shared' : name)));
            namespace.value = params.has('namespace') ? params.get('namespace') : ALL;
            const apply = (offset) => {
              const next = new URLSearchParams();
              if (search.value.trim()) next.set('q', search.value.trim());
              if (model.value) next.set('model', model.value);
              if (namespace.value !== ALL) next.set('namespace', namespace.value);
              if (offset) next.set('offset', String(offset));
              location.hash = listLink(next);
            };
            const form = el('form', { class: 'toolbar', role: 'search', onsubmit: (event) => { event.preventDefault(); apply(0); } },
              search, model, namespace, el('button', { type: 'submit' }, 'Search'));
            model.addEventListener('change', () => apply(0));
            namespace.addEventListener('change', () => apply(0));

            const rows = page.cassettes.map((row) => {
              const href = '#/cassette/' + row.key + (row.namespace ? '?namespace=' + encodeURIComponent(row.namespace) : '');
              return el('tr', { 'data-key': row.key, onclick: (event) => { if (!event.target.closest('a')) location.hash = href; } },
                el('td', { class: 'when', title: row.recordedAt }, when(row.recordedAt)),
                el('td', { class: 'words' }, el('a', { href }, row.firstUserWords),
                  /^converse/.test(row.operation) ? null : el('span', { class: 'tag' }, row.operation.replace(/-with-response-stream$/, '')),
                  /stream$/.test(row.operation) ? el('span', { class: 'tag stream' }, 'stream') : null,
                  row.namespace ? el('span', { class: 'tag ns' }, row.namespace) : null),
                el('td', { class: 'model', title: row.model }, shortModel(row.model)),
                el('td', { class: 'num' }, number(row.hits)),
                el('td', { class: 'num hide-narrow' }, tokens(row.tokensSaved)),
                el('td', { class: 'num' }, dollars(row.costSaved)));
            });
            const offset = page.offset;
            const summary = el('p', { class: 'summary' });
            if (page.totals) {
              summary.append(el('strong', null, number(page.totals.cassettes)), page.totals.cassettes === 1 ? ' cassette · ' : ' cassettes · ',
                el('strong', null, number(page.totals.hits)), ' recorded hits · ', el('strong', null, tokens(page.totals.tokensSaved)),
                ' tokens replayed · ', el('strong', null, dollars(page.totals.costSaved)), ' saved');
            } else {
              summary.append(page.total === null ? 'Matches so far: ' : 'Matches: ', el('strong', null, number(page.total === null ? offset + rows.length : page.total)));
            }
            if (page.unreadable) summary.append(el('span', { class: 'tag bad' }, page.unreadable + ' unreadable (tapedeck verify)'));
            const table = rows.length
              ? el('table', { class: 'cassettes' },
                  el('thead', null, el('tr', null, el('th', null, 'Recorded (UTC)'), el('th', null, 'First user words'), el('th', null, 'Model'),
                    el('th', { class: 'num' }, 'Hits'), el('th', { class: 'num hide-narrow' }, 'Tokens saved'), el('th', { class: 'num' }, 'Saved'))),
                  el('tbody', null, rows))
              : el('div', { class: 'empty' }, params.toString() ? 'No cassette matches.' : 'No cassettes yet: serve with --upstream to record some.');
            const pager = el('div', { class: 'pager' },
              rows.length ? (offset + 1) + '–' + (offset + rows.length) + (page.total === null ? '' : ' of ' + number(page.total)) : '',
              el('button', { class: 'secondary', type: 'button', disabled: offset === 0, onclick: () => apply(Math.max(0, offset - page.limit)) }, '← Newer'),
              el('button', { class: 'secondary', type: 'button', disabled: !page.more, onclick: () => apply(offset + page.limit) }, 'Older →'));
            show(form, summary, table, pager);
          }

          // One cassette as a chat: system prompt, turns, then the recorded answer and its usage.
          async function showCassette(key, namespace, current) {
            const query = new URLSearchParams({ key });
            if (namespace) query.set('namespace', namespace);
            const cassette = await api('/_tapedeck/api/cassette?' + query.toString());
            if (!current()) return;
            startPolling();
            const meta = el('dl', { class: 'meta' });
            const fact = (name, ...value) => meta.append(el('dt', null, name), el('dd', null, ...value));
            fact('Model', el('span', { class: 'model' }, cassette.model));
            fact('Recorded', when(cassette.recordedAt) + ' UTC');
            fact('Upstream took', number(cassette.upstreamLatencyMs) + ' ms');
            fact('Tools', cassette.tools.length ? cassette.tools.join(', ') : 'none');
            fact('Hits', number(cassette.hits));
            fact('Tokens saved', tokens(cassette.tokensSaved));
            fact('Saved', dollars(cassette.costSaved));
            if (cassette.inference) fact('Inference', el('code', null, cassette.inference));
            const tags = [el('span', { class: 'tag' + (/stream$/.test(cassette.operation) ? ' stream' : '') }, cassette.operation),
              el('span', { class: 'tag ns' }, cassette.namespace ? 'namespace ' + cassette.namespace : 'shared namespace'),
              cassette.repeat ? el('span', { class: 'tag' }, 'answer ' + (cassette.repeat + 1) + ' of a sequence') : null];

            const chat = el('div', { class: 'chat' });
            if (cassette.system.length) chat.append(turn('system', 'System prompt', cassette.system));
            for (const message of cassette.messages) chat.append(turn(message.role === 'user' ? 'user' : 'assistant', message.role, message.content));
            const answer = cassette.answer;
            if (answer.problem) {
              chat.append(el('div', { class: 'turn answer' }, el('div', { class: 'role' }, 'Recorded answer'), el('div', { class: 'error' }, answer.problem)));
            } else {
              const label = 'Recorded answer' + (answer.stopReason ? ' · ' + answer.stopReason : '');
              chat.append(turn('answer', label, answer.content));
            }
            const footer = el('div', { class: 'footer' }, el('span', null, 'Usage: ' + (cassette.usage || '–')));
            if (answer.streamEvents !== null) footer.append(el('span', null, 'Folded from ' + answer.streamEvents + ' stream events'));
            chat.append(footer);
            show(el('a', { class: 'back', href: listHash }, '← All cassettes'),
              el('section', { class: 'card' }, el('h1', null, firstWords(cassette), tags), el('div', { class: 'key' }, el('code', null, cassette.key)), meta), chat);
            document.title = 'Tapedeck · ' + cassette.key.slice(0, 12);
          }

          function firstWords(cassette) {
            for (const message of cassette.messages) {
              if (message.role !== 'user') continue;
              for (const block of message.content) if (block.type === 'text' && block.text.trim()) return block.text.trim().split('\n')[0].slice(0, 140);
            }
            return 'Cassette ' + cassette.key.slice(0, 12);
          }

          // A labelled bubble of blocks; attachments next to each other share a row.
          function turn(kind, label, blocks) {
            const bubble = el('div', { class: 'bubble' });
            let row = null;
            for (const item of blocks) {
              if (item.type !== 'media') {
                row = null;
                bubble.append(block(item));
                continue;
              }
              if (row === null) bubble.append(row = el('div', { class: 'attachments' }));
              row.append(block(item));
            }
            if (!blocks.length) bubble.append(el('span', { class: 'muted' }, '(nothing)'));
            return el('div', { class: 'turn ' + kind }, el('div', { class: 'role' }, label), bubble);
          }

          function chip(kind, label) {
            return el('span', { class: 'chip' }, el('span', { class: 'kind' }, kind), label);
          }

          // One content block, by the type the API gave it.
          function block(item) {
            switch (item.type) {
              case 'text':
                return el('div', { class: 'text' }, item.text);
              case 'toolUse':
                return el('div', { class: 'tool' }, el('div', { class: 'head' }, '→ tool call ', el('code', null, item.name), item.id ? el('span', { class: 'id' }, item.id) : null),
                  el('pre', { class: 'json' }, item.input));
              case 'toolResult': {
                const failed = item.status && item.status !== 'success';
                return el('div', { class: 'tool result' + (failed ? ' failed' : '') },
                  el('div', { class: 'head' }, '← result of ', el('code', null, item.name || item.id), failed ? ' (' + item.status + ')' : '',
                    el('span', { class: 'id' }, item.id)),
                  item.content.map(block));
              }
              case 'json':
                return el('pre', { class: 'json' }, item.json);
              case 'media':
                if (item.src && IMAGE_SOURCE.test(item.src)) {
                  const figure = el('figure', { class: 'thumb' }, el('img', { src: item.src, alt: item.label, title: 'Click to enlarge' }), el('figcaption', null, item.label));
                  figure.addEventListener('click', () => figure.classList.toggle('zoom'));
                  return figure;
                }
                return chip(item.kind, item.label.startsWith(item.kind + ' ') ? item.label.slice(item.kind.length + 1) : item.label);
              case 'reasoning':
                return item.text === null ? chip('reasoning', 'redacted')
                  : el('details', { class: 'reasoning' }, el('summary', null, 'Thinking'), el('div', { class: 'text' }, item.text));
              case 'guarded':
                return el('div', null, chip('guarded', ''), el('div', { class: 'text' }, item.text));
              default:
                return chip('block', item.label || item.type);
            }
          }

          // Asks for the server's --auth-token; it is kept in this tab's sessionStorage and sent as x-tapedeck-token.
          function showTokenForm(message) {
            stopPolling();
            const had = sessionStorage.getItem(TOKEN_KEY);
            const input = el('input', { type: 'password', name: 'token', autocomplete: 'off', 'aria-label': 'Token', placeholder: 'x-tapedeck-token' });
            const form = el('form', { class: 'card token', onsubmit: (event) => {
              event.preventDefault();
              const token = input.value.trim();
              if (!token) return;
              sessionStorage.setItem(TOKEN_KEY, token);
              route();
            } },
            el('h1', null, 'This Tapedeck server needs its token'),
            el('p', null, had ? 'The token given does not match: ' + message : 'It was started with --auth-token. Enter the token to browse its cassettes; it stays in this tab only.'),
            el('div', { class: 'row' }, input, el('button', { type: 'submit' }, 'Open')));
            if (had) sessionStorage.removeItem(TOKEN_KEY);
            counters.replaceChildren();
            show(form);
            input.focus();
          }

          function counter(label, value, live) {
            return el('div', { class: 'counter' + (live ? ' live' : '') }, el('span', { class: 'label' }, label), el('span', { class: 'value' }, value));
          }

          // Live counters since the server started, from the same /_tapedeck/stats the CLI's users poll.
          async function poll() {
            try {
              const stats = await api('/_tapedeck/stats');
              counters.replaceChildren(counter('Hits', number(stats.hits), true), counter('Misses', number(stats.misses)),
                counter('Tokens saved', tokens(stats.tokensSaved)), counter('Cost saved', dollars(stats.costSaved)));
            } catch (error) {
              if (error instanceof AuthNeeded) stopPolling();
            }
          }

          function startPolling() {
            if (pollTimer !== null) return;
            poll();
            pollTimer = setInterval(poll, 2000);
          }

          function stopPolling() {
            if (pollTimer !== null) clearInterval(pollTimer);
            pollTimer = null;
          }

          window.addEventListener('hashchange', route);
          route();
        })();

        """#
}
