// The pure part of the block: which order, fetching with back-off, and what to show.
// No Preact and no `shopify` global in here, so `node --test` can run it as is.
import {engagementViews} from './modules/engagement.js';

/** Delays (ms) between tries while the app has not heard of the order yet (HTTP 404). */
export const RETRY_DELAYS = [1000, 2000, 4000, 8000, 16000];

const ORDER_GID = /^gid:\/\/shopify\/(Order|OrderIdentity)\/\d+$/;

/** The order gid the page shows, or null: thank-you page first, then the order status page. */
export function orderIdFrom(api) {
  const confirmed = api?.orderConfirmation?.value?.order?.id;
  const id = confirmed ?? api?.order?.value?.id ?? null;
  return typeof id === 'string' && ORDER_GID.test(id) ? id : null;
}

/** The buyer's language as an ISO code (e.g. "de" or "en-GB"), or null. */
export function localeFrom(api) {
  const lang = api?.localization?.language?.value?.isoCode;
  return typeof lang === 'string' && lang ? lang : null;
}

export function blockUrl(apiUrl, orderId, locale) {
  const params = new URLSearchParams({order_id: orderId});
  if (locale) params.set('locale', locale);
  return `${apiUrl.replace(/\/+$/, '')}/api/v1/order-status?${params}`;
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * What the block API's "403 login required" becomes: a guest (no `sub` in the session token)
 * asked for an order outside the guest window (72 hours), or a logged-in buyer for someone
 * else's order. The block then invites to log in instead of showing the order.
 */
export const LOGIN_REQUIRED = Object.freeze({loginRequired: true});

/**
 * Fetch the order-status JSON. Retries a 404 (the order webhook may arrive after the
 * buyer lands on the thank-you page) with back-off; a 403 "login required" gives
 * LOGIN_REQUIRED; any other failure gives null, so the block renders nothing rather than
 * breaking the page (no error text reaches the buyer).
 */
export async function fetchOrderStatus({url, getToken, fetch, sleep = wait, delays = RETRY_DELAYS,
                                        cancelled = () => false}) {
  for (let attempt = 0; ; attempt++) {
    if (cancelled()) return null;
    let response;
    try {
      const token = await getToken();
      response = await fetch(url, {headers: {Authorization: `Bearer ${token}`, Accept: 'application/json'}});
    } catch {
      return null;
    }
    if (response.status === 404 && attempt < delays.length) {
      await sleep(delays[attempt]);
      continue;
    }
    if (response.status === 403) return (await loginRequired(response)) ? LOGIN_REQUIRED : null;
    if (!response.ok) return null;
    try {
      const body = await response.json();
      return body && body.version === 1 && body.modules ? body : null;
    } catch {
      return null;
    }
  }
}

async function loginRequired(response) {
  try {
    const body = await response.json();
    return body?.error === 'login required';
  } catch {
    return false;
  }
}

const emptyView = (title) => ({title, status: null, branch: null, attention: null, timeline: [], parcels: [],
                               estimate: null, login: null, reorder: null, review: null, faq: null, banner: null,
                               social: null, recommendations: null, survey: null, newsletter: null});

/**
 * What to show, as plain data: every text already translated. `t(key, vars)` looks up the
 * few strings the extension owns; everything else comes translated from the API.
 * `page`: what the page offers. `canLogin`: it can ask the buyer to log in (the order status
 * page's `shopify.requireLogin`); `preAuthenticated`: the buyer came from the confirmation
 * mail and is not logged in (`shopify.authenticationState`).
 * Returns null when there is nothing to show.
 */
export function viewModel(data, t, page = {}) {
  if (data?.loginRequired) {
    // 403: no order data at all; a short invitation, with the login button where there is one.
    return {...emptyView(t('loginTitle')),
            login: {text: t('loginRequired'), cta: page.canLogin ? t('logIn') : null}};
  }
  if (!data || !data.modules) return null;
  const m = data.modules;
  const view = {...emptyView(t('title', {name: data.order?.name ?? ''})), status: data.order?.status_label ?? null};
  if (m.delivery_status) {
    view.branch = m.delivery_status.branch ? data.order?.status_label ?? null : null;
    view.attention = m.delivery_status.attention?.text ?? null;
    view.timeline = (m.delivery_status.timeline || []).map((step) => ({
      step: step.step, state: step.state,
      text: step.state === 'done' ? t('stepDone', {label: step.label})
        : step.state === 'current' ? t('stepCurrent', {label: step.label}) : step.label,
    }));
  }
  for (const parcel of m.tracking?.parcels || []) {
    const latest = (parcel.events || [])[0];
    view.parcels.push({
      id: parcel.id,
      heading: parcel.carrier ? `${parcel.label} · ${parcel.carrier}` : parcel.label,
      status: parcel.status_label,
      number: parcel.tracking_number ? t('trackingNumber', {number: parcel.tracking_number}) : null,
      url: safeUrl(parcel.tracking_url),
      linkText: t('trackParcel'),
      latest: latest ? [latest.label, latest.location].filter(Boolean).join(' · ') : null,
    });
  }
  const estimate = m.delivery_estimate;
  if (estimate) {
    view.estimate = {late: estimate.state === 'late', title: estimate.title, text: estimate.text,
                     source: estimate.state === 'late' ? null : estimate.source_label ?? null};
  }
  for (const key of ['reorder', 'review_prompt']) {
    const module = m[key];
    const url = safeUrl(module?.url);
    if (module && url) view[key === 'reorder' ? 'reorder' : 'review'] = {title: module.title, text: module.text, cta: module.cta, url};
  }
  // A guest's status-only answer (app/web/blocks.py, after the first hours) has neither the tracking
  // module nor a total: on the order status page, reached from the mail, say how to see more.
  const statusOnly = !m.tracking && data.order?.total == null;
  if (statusOnly && page.canLogin && page.preAuthenticated) {
    view.login = {text: t('loginForDetails'), cta: t('logIn')};
  }
  view.faq = faqView(m.faq, data.locale);
  view.banner = bannerView(m.banner, data.locale);
  view.social = socialView(m.social);
  Object.assign(view, engagementViews(m));
  const empty = !view.timeline.length && !view.parcels.length && !view.estimate && !view.login && !view.reorder &&
    !view.review && !view.faq && !view.banner && !view.social && !view.recommendations && !view.survey &&
    !view.newsletter;
  return empty ? null : view;
}

const lines = (list, text) => (Array.isArray(list) && list.length ? list : String(text ?? '').split('\n'))
  .filter((line) => typeof line === 'string');

// A merchant text in the other language (no translation in the buyer's) carries its own `lang`.
const otherLang = (locale, pageLocale) => (locale && locale !== pageLocale ? locale : null);

/** The merchant's questions and answers. */
export function faqView(faq, pageLocale) {
  const entries = (faq?.entries || []).filter((e) => e && e.question && e.answer).map((e) => ({
    id: String(e.id), question: e.question, lines: lines(e.answer_lines, e.answer), lang: otherLang(e.locale, pageLocale),
  }));
  return entries.length ? {title: faq.title, entries} : null;
}

/** The banner: title, text, an https link and (only ever after delivery) a discount code. */
export function bannerView(banner, pageLocale) {
  if (!banner || !(banner.title || banner.text)) return null;
  const url = safeUrl(banner.url);
  return {title: banner.title ?? null, lines: banner.text ? lines(banner.text_lines, banner.text) : [],
          url, cta: url ? banner.cta : null, code: banner.discount_code ?? null, codeLabel: banner.code_label,
          lang: otherLang(banner.locale, pageLocale)};
}

/** Profile links and the newsletter sign-up, https only. */
export function socialView(social) {
  if (!social) return null;
  const links = (social.links || []).map((l) => ({network: l.network, name: l.name, url: safeUrl(l.url)}))
    .filter((l) => l.url && l.name);
  const newsletter = safeUrl(social.newsletter_url);
  if (!links.length && !newsletter) return null;
  return {title: social.title, links, newsletter: newsletter ? {url: newsletter, cta: social.newsletter_cta} : null};
}

/** Only http(s) links reach an href. */
export function safeUrl(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}
