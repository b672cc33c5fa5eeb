// Drives formocr review in Debian's chromium (headless), as a person would:
// node review.mjs URL SCREENSHOT.png > actions.json
// Corrects two fields by typing, accepts one, marks one unreadable, each
// with the keyboard alone, then reloads the page; prints what it did (the
// document and field of each action) and what the page showed, as JSON.
import { chromium } from 'playwright-core';

const [url, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const out = { actions: [], errors: [] };
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('dialog', async (d) => { out.errors.push('dialog: ' + d.message()); await d.dismiss(); });
  await page.goto(url);
  await page.waitForSelector('#fields textarea');
  out.counterBefore = await page.textContent('#counter');
  if (shot) await page.screenshot({ path: shot, fullPage: false });

  // the field that has the keyboard's focus, and its document
  const focused = async () => page.evaluate(() => {
    const input = document.activeElement;
    const meta = document.getElementById('doc-meta').textContent;
    return {
      document: Number(meta.match(/document (\d+)/)[1]),
      field: input && input.dataset ? input.dataset.field : null,
      shown: input ? input.value : null,
    };
  });
  // waits until the page has saved the last decision (the counter changes)
  const settle = async (before) => {
    await page.waitForFunction((b) => document.getElementById('counter').textContent !== b &&
                               document.body.getAttribute('aria-busy') === 'false',
                               before, { timeout: 15000 });
    await page.waitForFunction(() => document.activeElement &&
                               document.activeElement.tagName === 'TEXTAREA', null,
                               { timeout: 15000 });
  };
  const steps = [
    { kind: 'accepted' },
    { kind: 'corrected', type: 'CORRIGÉ Œuvre 01000' },
    { kind: 'corrected', type: '<img src=x onerror=alert(1)>' },
    { kind: 'unreadable' },
  ];
  for (const step of steps) {
    const at = await focused();
    const before = await page.textContent('#counter');
    if (step.kind === 'corrected') {
      // typing replaces: the value is selected when the field takes the focus
      await page.keyboard.type(step.type);
      await page.keyboard.press('Enter');
      at.value = step.type;
    } else if (step.kind === 'accepted') {
      await page.keyboard.press('Enter');
      at.value = at.shown;
    } else {
      await page.keyboard.press('F2');
      at.value = '';
    }
    at.kind = step.kind;
    out.actions.push(at);
    await settle(before);
  }
  // a value that looks like HTML is shown as text: the page has no <img>
  // but the crops, and no script ran
  out.imagesNotCrops = await page.$$eval('img', (imgs) =>
    imgs.filter((i) => !i.src.includes('/api/crop')).length);
  out.cropsShown = await page.$$eval('img', (imgs) =>
    imgs.filter((i) => i.complete && i.naturalWidth > 0).length);
  out.scriptRan = await page.evaluate(() => window.xss !== undefined);
  await page.reload();
  await page.waitForFunction(() => !/loading/.test(document.getElementById('counter').textContent));
  out.counterAfter = await page.textContent('#counter');
} catch (e) {
  out.errors.push(String(e && e.stack || e));
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
