// Conformance of simnet with unmodified third-party Binance clients: ccxt's
// binance class and @binance/connector, each on its own account, run the
// same trading session and check every answer, down to the balances moving
// by exactly the fills and the fees.
//
// Environment: SIMNET_URL (http://127.0.0.1:PORT), CCXT_KEY and CCXT_SECRET
// (an HMAC key), CONNECTOR_KEY and CONNECTOR_PEM (an Ed25519 key). Both
// accounts start with USDT=10000 and nothing else.
import ccxt from 'ccxt';
import { Spot, WebsocketAPI, PrivateKeyAlgo } from '@binance/connector';

const base = process.env.SIMNET_URL;
if (!base) {
  console.error('SIMNET_URL is not set');
  process.exit(2);
}

let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok   ${name}`);
  } else {
    failed++;
    console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + detail}`);
  }
}

// Exact decimals: amounts as BigInt units of 1e-8, Binance's balance precision.
function units(s) {
  const str = String(s);
  const neg = str.startsWith('-');
  const [i, f = ''] = (neg ? str.slice(1) : str).split('.');
  if (f.length > 8 && /[1-9]/.test(f.slice(8))) throw new Error(`more than 8 decimals: ${str}`);
  const v = BigInt(i || '0') * 100000000n + BigInt((f + '00000000').slice(0, 8));
  return neg ? -v : v;
}
function show(u) {
  const neg = u < 0n;
  const a = neg ? -u : u;
  return `${neg ? '-' : ''}${a / 100000000n}.${(a % 100000000n).toString().padStart(8, '0')}`;
}
function mulUnits(price, qty) { // both 1e-8 units; result rounded down to 1e-8
  return (price * qty) / 100000000n;
}
function roundDown(u, step) { return (u / step) * step; }

// Point every URL of a ccxt exchange at simnet.
function repoint(obj) {
  for (const [k, v] of Object.entries(obj)) {
    if (typeof v === 'string') {
      obj[k] = v.replace(/^https?:\/\/[^/]+/, base).replace(/^wss?:\/\/[^/]+/, base.replace(/^http/, 'ws'));
    } else if (v && typeof v === 'object') {
      repoint(v);
    }
  }
}

async function ccxtSession() {
  const ex = new ccxt.binance({
    apiKey: process.env.CCXT_KEY,
    secret: process.env.CCXT_SECRET,
    enableRateLimit: false,
    options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot' },
  });
  repoint(ex.urls);
  const markets = await ex.loadMarkets();
  check('ccxt loadMarkets lists BTC/USDT', markets['BTC/USDT'] && markets['BTC/USDT'].id === 'BTCUSDT');
  check('ccxt loadMarkets lists the 8 shipped pairs', Object.keys(markets).length === 8, Object.keys(markets).length);

  const bal0 = await ex.fetchBalance();
  check('ccxt fetchBalance starts at USDT 10000', units(bal0.info.balances.find((b) => b.asset === 'USDT').free) === units('10000'));

  const ticker = await ex.fetchTicker('BTC/USDT');
  check('ccxt fetchTicker has a last price and a spread', ticker.last > 0 && ticker.bid > 0 && ticker.ask > ticker.bid, JSON.stringify([ticker.last, ticker.bid, ticker.ask]));

  const ohlcv = await ex.fetchOHLCV('BTC/USDT', '1m', undefined, 50);
  check('ccxt fetchOHLCV returns 50 one-minute candles', ohlcv.length === 50 && ohlcv[1][0] - ohlcv[0][0] === 60000, ohlcv.length);

  const price = Math.floor(ticker.last * 0.9);
  const limit = await ex.createOrder('BTC/USDT', 'limit', 'buy', 0.001, price);
  check('ccxt createOrder limit is open', limit.status === 'open' && limit.id, limit.status);
  const bal1 = await ex.fetchBalance();
  const usdt1 = bal1.info.balances.find((b) => b.asset === 'USDT');
  const lock = mulUnits(units(String(price)), units('0.001'));
  check('ccxt limit order locks price × quantity', units(usdt1.locked) === lock && units(usdt1.free) === units('10000') - lock, `${usdt1.free}/${usdt1.locked}`);

  const fetched = await ex.fetchOrder(limit.id, 'BTC/USDT');
  check('ccxt fetchOrder finds it open', fetched.id === limit.id && fetched.status === 'open');
  const open = await ex.fetchOpenOrders('BTC/USDT');
  check('ccxt fetchOpenOrders lists it', open.length === 1 && open[0].id === limit.id, open.length);
  const canceled = await ex.cancelOrder(limit.id, 'BTC/USDT');
  check('ccxt cancelOrder cancels it', canceled.status === 'canceled', canceled.status);
  const bal2 = await ex.fetchBalance();
  const usdt2 = bal2.info.balances.find((b) => b.asset === 'USDT');
  check('ccxt cancel releases the lock', units(usdt2.free) === units('10000') && units(usdt2.locked) === 0n, `${usdt2.free}/${usdt2.locked}`);
  check('ccxt no open orders after cancel', (await ex.fetchOpenOrders('BTC/USDT')).length === 0);

  const mkt = await ex.createOrder('BTC/USDT', 'market', 'buy', 0.002);
  const fills = mkt.info.fills;
  check('ccxt market buy is filled with fills', mkt.status === 'closed' && fills.length > 0, mkt.status);
  let cost = 0n, qty = 0n, fee = 0n;
  for (const f of fills) {
    cost += mulUnits(units(f.price), units(f.qty));
    qty += units(f.qty);
    fee += units(f.commission);
    check(`ccxt fill ${f.tradeId} pays 0.1% in BTC`, f.commissionAsset === 'BTC' && units(f.commission) === (units(f.qty) + 999n) / 1000n, f.commission);
  }
  check('ccxt market buy filled 0.002 BTC', qty === units('0.002'), show(qty));
  check('ccxt cummulativeQuoteQty is the fills\' cost', units(mkt.info.cummulativeQuoteQty) === cost, `${mkt.info.cummulativeQuoteQty} vs ${show(cost)}`);
  const bal3 = await ex.fetchBalance();
  const usdt3 = bal3.info.balances.find((b) => b.asset === 'USDT');
  const btc3 = bal3.info.balances.find((b) => b.asset === 'BTC');
  check('ccxt USDT fell by exactly the cost', units(usdt3.free) === units('10000') - cost, `${usdt3.free} vs ${show(units('10000') - cost)}`);
  check('ccxt BTC rose by exactly the fills less the fee', units(btc3.free) === qty - fee, `${btc3.free} vs ${show(qty - fee)}`);

  const trades = await ex.fetchMyTrades('BTC/USDT');
  check('ccxt fetchMyTrades lists the market fills', trades.length === fills.length &&
    trades.every((t, i) => String(t.info.id) === String(fills[i].tradeId) && t.info.orderId === String(mkt.id) || Number(t.info.orderId) === Number(mkt.id)), trades.length);
  await ex.close?.();
}

async function connectorSession() {
  const client = new Spot(process.env.CONNECTOR_KEY, '', {
    baseURL: base,
    privateKey: process.env.CONNECTOR_PEM,
    privateKeyAlgo: PrivateKeyAlgo.ED25519,
  });
  const info = (await client.exchangeInfo()).data;
  const btc = info.symbols.find((s) => s.symbol === 'BTCUSDT');
  check('connector exchangeInfo lists BTCUSDT', btc && btc.baseAsset === 'BTC');
  const tick = units(btc.filters.find((f) => f.filterType === 'PRICE_FILTER').tickSize);

  const acct0 = (await client.account()).data;
  check('connector account starts at USDT 10000', units(acct0.balances.find((b) => b.asset === 'USDT').free) === units('10000'));

  const last = units((await client.tickerPrice('BTCUSDT')).data.price);
  check('connector tickerPrice is positive', last > 0n);
  const kl = (await client.klines('BTCUSDT', '1h', { limit: 5 })).data;
  check('connector klines returns 5 hourly candles', kl.length === 5 && kl[1][0] - kl[0][0] === 3600000, kl.length);

  // A SELL limit far above the market needs BTC; buy some first.
  const buy = (await client.newOrder('BTCUSDT', 'BUY', 'MARKET', { quoteOrderQty: 200 })).data;
  check('connector market buy by quoteOrderQty fills', buy.status === 'FILLED' && buy.fills.length > 0, buy.status);
  let cost = 0n, qty = 0n, fee = 0n;
  for (const f of buy.fills) {
    cost += mulUnits(units(f.price), units(f.qty));
    qty += units(f.qty);
    fee += units(f.commission);
  }
  check('connector quoteOrderQty spent at most 200 USDT', cost <= units('200') && cost > units('199'), show(cost));
  const acct1 = (await client.account()).data;
  const usdt1 = units(acct1.balances.find((b) => b.asset === 'USDT').free);
  const btc1 = units(acct1.balances.find((b) => b.asset === 'BTC').free);
  check('connector USDT fell by exactly the cost', usdt1 === units('10000') - cost, `${show(usdt1)} vs ${show(units('10000') - cost)}`);
  check('connector BTC rose by exactly the fills less the fee', btc1 === qty - fee, `${show(btc1)} vs ${show(qty - fee)}`);

  const sellQty = roundDown(btc1, units('0.00001'));
  const price = roundDown(last * 11n / 10n, tick);
  const order = (await client.newOrder('BTCUSDT', 'SELL', 'LIMIT', { price: show(price), quantity: show(sellQty), timeInForce: 'GTC' })).data;
  check('connector limit sell is NEW with no fills', order.status === 'NEW' && order.fills.length === 0, order.status);
  const got = (await client.getOrder('BTCUSDT', { orderId: order.orderId })).data;
  check('connector getOrder finds it', got.orderId === order.orderId && got.status === 'NEW');
  const open = (await client.openOrders({ symbol: 'BTCUSDT' })).data;
  check('connector openOrders lists it', open.length === 1 && open[0].orderId === order.orderId);
  const acct2 = (await client.account()).data;
  const btc2 = acct2.balances.find((b) => b.asset === 'BTC');
  check('connector limit sell locks the quantity', units(btc2.locked) === sellQty && units(btc2.free) === btc1 - sellQty, `${btc2.free}/${btc2.locked}`);
  const cancel = (await client.cancelOrder('BTCUSDT', { orderId: order.orderId })).data;
  check('connector cancelOrder cancels it', cancel.status === 'CANCELED');

  const sell = (await client.newOrder('BTCUSDT', 'SELL', 'MARKET', { quantity: show(sellQty) })).data;
  check('connector market sell fills', sell.status === 'FILLED', sell.status);
  let got2 = 0n, fee2 = 0n;
  for (const f of sell.fills) {
    got2 += mulUnits(units(f.price), units(f.qty));
    fee2 += units(f.commission);
    check(`connector sell fill ${f.tradeId} pays 0.1% in USDT`, f.commissionAsset === 'USDT' && units(f.commission) === (mulUnits(units(f.price), units(f.qty)) + 999n) / 1000n, f.commission);
  }
  const acct3 = (await client.account()).data;
  const usdt3 = units(acct3.balances.find((b) => b.asset === 'USDT').free);
  const btc3 = units(acct3.balances.find((b) => b.asset === 'BTC').free);
  check('connector USDT rose by exactly the proceeds less the fee', usdt3 === usdt1 + got2 - fee2, `${show(usdt3)} vs ${show(usdt1 + got2 - fee2)}`);
  check('connector BTC fell by exactly the quantity sold', btc3 === btc1 - sellQty, show(btc3));

  const mine = (await client.myTrades('BTCUSDT')).data;
  check('connector myTrades lists every fill', mine.length === buy.fills.length + sell.fills.length, mine.length);

  try {
    await client.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '1.001', quantity: '0.001', timeInForce: 'GTC' });
    check('connector bad tick is refused', false, 'accepted');
  } catch (e) {
    const d = e.response && e.response.data;
    check('connector bad tick is refused with a Binance error', e.response && e.response.status === 400 && d && typeof d.code === 'number' && d.code < 0, JSON.stringify(d));
  }
}

// Market streams through ccxt's WebSocket classes: the order book it keeps
// from a REST snapshot plus depth diffs (ccxt checks the update ids), and
// the trade stream.
async function ccxtStreams() {
  const ex = new ccxt.pro.binance({
    options: { fetchCurrencies: false, fetchMargins: false, fetchMarkets: { types: ['spot'] }, defaultType: 'spot' },
  });
  repoint(ex.urls);
  await ex.loadHttpProxyAgent(); // ccxt's step for plain ws:// URLs
  await ex.loadMarkets();
  let last = 0;
  let books = 0;
  const deadline = Date.now() + 20000;
  while (books < 10 && Date.now() < deadline) {
    const ob = await ex.watchOrderBook('BTC/USDT');
    if (ob.nonce > last && ob.bids.length > 0 && ob.asks.length > 0) {
      last = ob.nonce;
      books++;
      const sorted = ob.bids.every((b, i) => i === 0 || ob.bids[i - 1][0] > b[0]) && ob.asks.every((a, i) => i === 0 || ob.asks[i - 1][0] < a[0]);
      if (!sorted || !(ob.bids[0][0] < ob.asks[0][0])) {
        check('ccxt.pro order book is sorted and not crossed', false, JSON.stringify([ob.bids.slice(0, 3), ob.asks.slice(0, 3)]));
        break;
      }
    }
  }
  check('ccxt.pro watchOrderBook keeps a synced book over 10 updates', books === 10, books);
  const trades = await ex.watchTrades('ETH/USDT');
  check('ccxt.pro watchTrades streams trades', trades.length > 0 && trades.every((t) => t.price > 0 && t.amount > 0), trades.length);
  await ex.close();
}

// quiet is a logger for the connector that keeps its request dumps out of
// the test log and shows its errors.
const quiet = { debug() {}, info() {}, warn() {}, log() {}, error: (...a) => console.error(...a) };

// The WebSocket API through @binance/connector's WebsocketAPI (HMAC-signed
// requests), on the ccxt account once its session is done.
async function connectorWSAPI() {
  const replies = [];
  let waiting = null;
  const next = () => new Promise((resolve, reject) => {
    if (replies.length > 0) return resolve(replies.shift());
    waiting = resolve;
    setTimeout(() => reject(new Error('no reply within 10 s')), 10000);
  });
  let ws;
  await new Promise((resolve) => {
    ws = new WebsocketAPI(process.env.CCXT_KEY, process.env.CCXT_SECRET, {
      wsURL: base.replace(/^http/, 'ws') + '/ws-api/v3',
      logger: quiet,
      callbacks: {
        open: resolve,
        message: (data) => {
          const m = JSON.parse(data);
          if (waiting) {
            const w = waiting;
            waiting = null;
            w(m);
          } else {
            replies.push(m);
          }
        },
      },
    });
  });
  ws.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '20000', quantity: '0.001', timeInForce: 'GTC', newClientOrderId: 'conn-ws-1' });
  const placed = await next();
  check('connector WebsocketAPI order.place answers 200 with a NEW order', placed.status === 200 && placed.result.status === 'NEW' && placed.result.clientOrderId === 'conn-ws-1', JSON.stringify(placed));
  ws.cancelOrder('BTCUSDT', { origClientOrderId: 'conn-ws-1' });
  const canceled = await next();
  check('connector WebsocketAPI order.cancel cancels it', canceled.status === 200 && canceled.result.status === 'CANCELED', JSON.stringify(canceled));
  ws.newOrder('BTCUSDT', 'BUY', 'LIMIT', { price: '20000.001', quantity: '0.001', timeInForce: 'GTC' });
  const bad = await next();
  check('connector WebsocketAPI bad tick gets a Binance error', bad.status === 400 && bad.error && bad.error.code === -1013, JSON.stringify(bad));
  ws.disconnect();
}

try {
  await ccxtStreams();
} catch (e) {
  check('ccxt.pro streams ran', false, e.stack || String(e));
}
try {
  await ccxtSession();
} catch (e) {
  check('ccxt session ran', false, e.stack || String(e));
}
try {
  await connectorWSAPI();
} catch (e) {
  check('connector WebsocketAPI ran', false, e.stack || String(e));
}
try {
  await connectorSession();
} catch (e) {
  check('connector session ran', false, (e.response && JSON.stringify(e.response.data)) || e.stack || JSON.stringify(e));
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
