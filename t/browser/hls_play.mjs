// Plays an HLS stream with hls.js in Debian's headless Chromium (driven by
// playwright-core) and prints what the page saw, as one JSON line:
//   node hls_play.mjs PAGE_URL SECONDS
// The page (written by the test) loads hls.js, attaches it to a <video>
// and records currentTime; this script reads it back after SECONDS.

import { chromium } from 'playwright-core';

const [url, secs] = process.argv.slice(2);

const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
});

const result = { samples: [], errors: [], console: [] };

try {
    const page = await browser.newPage();
    page.on('pageerror', e => result.errors.push(String(e)));
    // the player's warnings and errors, for a failing test's diagnostics
    page.on('console', m => {
        if ((m.type() === 'warning' || m.type() === 'error')
            && result.console.length < 40)
        {
            result.console.push(m.text().slice(0, 300));
        }
    });

    await page.goto(url);

    const end = Date.now() + Number(secs) * 1000;
    while (Date.now() < end) {
        await page.waitForTimeout(1000);
        result.samples.push(await page.evaluate(() => window.hlsState()));
    }
} catch (e) {
    result.errors.push(String(e));
} finally {
    await browser.close();
}

console.log(JSON.stringify(result));
