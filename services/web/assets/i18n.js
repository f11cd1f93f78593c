// The page's words in Chinese (first) and English, and the toggle between them, which
// this browser remembers in localStorage.
//
// Static markup names its message with data-i18n (text), data-i18n-placeholder and
// data-i18n-aria-label; scripts call t(key, params). A message may hold {name}
// placeholders, filled from params.

const LANGUAGE_KEY = 'policy-archive/language';
export const LANGUAGES = ['zh-CN', 'en'];

const MESSAGES = {
  'zh-CN': {
    'app.title': '政策文件档案库',
    'nav.skip': '跳到正文',
    'nav.back': '← 返回检索',
    'nav.language': '语言',
    'language.other': 'English',
    'footer.how':
      '每份文件都在您的浏览器中验证：内容摘要、签名声明、签名检查点、透明日志的包含证明与一致性证明。',

    'search.heading': '检索政策文件',
    'search.q': '全文检索',
    'search.q.placeholder': '例如：数据共享',
    'search.status.any': '全部',
    'search.from': '发文日期自',
    'search.to': '发文日期至',
    'search.submit': '检索',
    'search.reset': '清除',
    'results.heading': '结果',
    'results.loading': '正在加载…',
    'results.count': '共 {n} 件文件',
    'results.count.more': '已显示 {n} 件文件，还有更多',
    'results.hits': '全文检索“{q}”：{n} 件文件匹配',
    'results.hits.filtered': '全文检索“{q}”：{n} 件文件匹配，其中 {shown} 件符合筛选条件',
    'results.none': '没有找到符合条件的文件。',
    'results.more': '加载更多',
    'results.occurrences': '出现 {n} 次',
    'results.untitled': '（无标题）',

    'field.status': '状态',
    'field.number': '文号',
    'field.issuer': '发文机关',
    'field.region': '地区',
    'field.date': '成文日期',
    'field.effective': '生效日期',
    'field.expires': '失效日期',
    'field.source': '来源',
    'field.id': '文件标识',
    'field.revision': '修订',
    'field.media_type': '类型',

    'status.in_force': '现行有效',
    'status.amended': '已修订',
    'status.repealed': '已废止',
    'status.expired': '已失效',
    'status.draft': '草稿',

    'relation.repeals': '废止',
    'relation.amends': '修改',
    'relation.implements': '贯彻落实',
    'relation.supersedes': '取代',
    'relation.repealed-by': '被以下文件废止',
    'relation.amended-by': '被以下文件修改',
    'relation.implemented-by': '由以下文件落实',
    'relation.superseded-by': '被以下文件取代',
    'relation.declared-by': '（由 {document} 声明）',

    'doc.loading': '正在加载文件…',
    'doc.not-found': '找不到文件 {id}：{message}',
    'doc.revision-not-found': '文件 {id} 没有修订 {rev}。',
    'doc.showing-revision': '正在查看修订 {rev}（不是权威版本）',
    'doc.showing-authoritative': '权威版本 {rev}',
    'doc.showing-head': '最新修订 {rev}（尚无权威版本）',
    'doc.relations': '相关文件',
    'doc.downloads': '下载',
    'doc.download.content': '原始文件（{size}，{type}）',
    'doc.download.receipt': '验证回执（JSON）',
    'doc.text': '正文',
    'doc.text.loading': '正在下载正文…',
    'doc.text.unavailable': '无法下载正文：{message}',
    'doc.not-text': '此文件不是纯文本（{type}），请下载查看。',
    'doc.history': '修订历史',
    'doc.history.authoritative': '权威版本',
    'doc.history.viewing': '正在查看',
    'doc.history.view': '查看并验证此修订',
    'doc.history.submitted-by': '提交者',
    'doc.history.origin': '来源档案库',
    'doc.history.size': '大小',
    'doc.history.note': '说明',
    'doc.diff': '修订对比',
    'doc.diff.from': '旧版本',
    'doc.diff.to': '新版本',
    'doc.diff.only-one': '此文件只有一个修订，无可对比。',
    'doc.diff.loading': '正在对比…',
    'doc.diff.same': '两个修订的文本相同。',
    'doc.diff.stats': '删除 {deleted} 字，新增 {inserted} 字（{from} → {to}）。对比所用的文本直接取自档案库，未逐一验证。',
    'doc.diff.unchanged': '{n} 行未改动',
    'doc.diff.not-text': '只能对比文本文件（{type}）。',
    'doc.diff.failed': '无法对比：{message}',

    'size.bytes': '{n} 字节',

    'verify.heading': '在您的浏览器中验证',
    'verify.pending': '正在验证…',
    'verify.verified': '已验证：以下每一项都由您的浏览器亲自检查通过。',
    'verify.failed': '验证失败：{step}。{detail}',
    'verify.skipped': '未检查',
    'verify.step-state.ok': '通过：',
    'verify.step-state.failed': '失败：',
    'verify.step-state.pending': '进行中：',
    'verify.step-state.skipped': '未检查：',
    'verify.pinned-key': '本浏览器记住的档案库密钥（指纹 {fingerprint}，{at} 首次使用时记住）：',
    'witness.heading': '见证人',
    'witness.none': '该检查点没有见证人联署。',
    'witness.time': '联署于 {time}',
    'witness.state.verified': '联署有效',
    'witness.state.failed': '联署无效，不计入',
    'witness.state.missing': '未联署',
    'witness.state.unchecked': '未验证：见证策略中没有它的公钥',
    'witness.policy': '见证策略',
    'witness.policy.help':
      '每行“witness <见证人公钥>”，再加一行“quorum <k>”（与 archivectl --witness_policy 的文件相同）。设置后，只有带有其中至少 k 个见证人有效联署的检查点才算验证通过。策略保存在本浏览器中。',
    'witness.policy.text': '策略文本',
    'witness.policy.file': '或从文件读取',
    'witness.policy.save': '使用此策略',
    'witness.policy.clear': '清除策略',
    'witness.policy.active': '当前策略：{count} 个见证人，法定数 {quorum}（{at} 设置）。',
    'witness.policy.inactive': '未设置见证策略：联署只作为信息显示。',
    'witness.policy.invalid': '策略无效，未保存：{message}',

    'step.key': '档案库密钥',
    'step.statement': '修订声明',
    'step.digest': '内容摘要（SHA-256）',
    'step.statement-signature': '声明签名',
    'step.checkpoint-signature': '检查点签名',
    'step.inclusion': '日志包含证明',
    'step.witnesses': '见证人联署',
    'step.consistency': '日志一致性',

    'key.pinned':
      '首次使用：本浏览器已记住档案库 {name} 的密钥，指纹 {fingerprint}。以后每次访问都必须是同一密钥。',
    'key.matches': '档案库 {name} 的密钥与本浏览器 {at} 首次使用时记住的一致，指纹 {fingerprint}。',
    'key.changed':
      '档案库的密钥变了：本浏览器 {at} 记住的是 {pinnedName}（指纹 {pinned}），现在是 {name}（指纹 {fingerprint}）。',
    'statement.ok': '声明文本的 SHA-256 等于修订标识 {rev}…，声明属于文件 {document}。',
    'statement.id-mismatch': '声明文本的 SHA-256 {actual}… 不等于修订标识 {rev}…。',
    'statement.other-text': '回执中的声明与修订记录中的声明文本不同。',
    'statement.wrong-document': '声明属于文件 {actual}，而不是 {document}。',
    'digest.ok': '下载的内容 SHA-256 {sha256}…、{size} 字节，与声明一致。',
    'digest.mismatch':
      '内容摘要不符：下载的 {actualSize} 字节的 SHA-256 是 {actual}…，声明的是 {expected}…（{expectedSize} 字节）。',
    'statement-signature.own': '声明由 {origin} 签名，用的是本浏览器记住的档案库密钥。',
    'statement-signature.vouched':
      '声明由 {origin} 签名（指纹 {fingerprint}）；该机构的密钥由本档案库担保（/api/v1/keys 所列）。',
    'statement-signature.unknown': '本档案库没有提供签名机构 {origin} 的密钥，无法验证声明签名。',
    'checkpoint-signature.ok': '大小为 {size} 的检查点由档案库 {name} 签名，用的是本浏览器记住的密钥。',
    'checkpoint-signature.wrong-origin': '检查点的来源是 {origin}，不是档案库 {name}。',
    'inclusion.ok': '声明是日志的第 {index} 号条目（从 0 数起），包含在大小为 {size} 的检查点中（RFC 9162 包含证明）。',
    'inclusion.wrong-size': '包含证明针对大小 {proofSize}，检查点大小却是 {size}。',
    'witnesses.none': '大小为 {size} 的检查点没有见证人联署；您未设置见证策略，所以不要求联署。',
    'witnesses.unchecked':
      '大小为 {size} 的检查点带有 {names} 的联署；您未设置见证策略，本浏览器没有这些见证人的公钥，未验证（档案库自己的说法不算证明）。',
    'witnesses.quorum': '大小为 {size} 的检查点由您的见证策略所列 {total} 个见证人中的 {count} 个有效联署（{names}），达到法定数 {quorum}。',
    'witnesses.quorum-some-missing':
      '大小为 {size} 的检查点由您的见证策略所列 {total} 个见证人中的 {count} 个有效联署（{names}），达到法定数 {quorum}；缺少：{missing}。',
    'witnesses.short':
      '见证人联署不足：大小为 {size} 的检查点只有您的见证策略所列 {total} 个见证人中的 {count} 个有效联署，少于法定数 {quorum}；缺少：{missing}。',
    'witnesses.bad-policy': '本浏览器保存的见证策略无法读取：{message}',
    'consistency.first': '首次访问：本浏览器已记住大小为 {size} 的检查点，以后每次访问都会检查日志没有回滚或分叉。',
    'consistency.same': '与本浏览器 {at} 记住的检查点相同（大小 {size}）：日志没有回滚或分叉。',
    'consistency.grown': '与本浏览器 {at} 记住的大小为 {old} 的检查点一致：日志只增长到 {size}，未改写（RFC 9162 一致性证明）。',
    'consistency.rolled-back':
      '日志被回滚：档案库现在的检查点大小为 {size}，而本浏览器 {at} 已见过大小为 {old} 的检查点。',
    'consistency.fork': '日志分叉：大小同为 {size} 的检查点，根哈希却与本浏览器 {at} 记住的不同。',
    'consistency.inconsistent':
      '日志被改写：大小为 {old} 的检查点（{at} 记住）与现在大小为 {size} 的检查点不一致。',
    'step.error': '{message}',
    'step.fetch-failed': '无法从档案库取得 {what}：{message}',
  },

  en: {
    'app.title': 'Policy Archive',
    'nav.skip': 'Skip to content',
    'nav.back': '← Back to search',
    'nav.language': 'Language',
    'language.other': '中文',
    'footer.how':
      'Every document is verified in your browser: content digest, signed statement, signed checkpoint, inclusion and consistency proofs of the transparency log.',

    'search.heading': 'Find policy documents',
    'search.q': 'Full text',
    'search.q.placeholder': 'e.g. 数据共享',
    'search.status.any': 'Any',
    'search.from': 'Issued from',
    'search.to': 'Issued until',
    'search.submit': 'Search',
    'search.reset': 'Clear',
    'results.heading': 'Results',
    'results.loading': 'Loading…',
    'results.count': '{n} documents',
    'results.count.more': '{n} documents shown, more available',
    'results.hits': 'Full text “{q}”: {n} matching documents',
    'results.hits.filtered': 'Full text “{q}”: {n} matching documents, {shown} of them within the filters',
    'results.none': 'No documents match.',
    'results.more': 'More',
    'results.occurrences': '{n} occurrences',
    'results.untitled': '(untitled)',

    'field.status': 'Status',
    'field.number': 'Number',
    'field.issuer': 'Issuer',
    'field.region': 'Region',
    'field.date': 'Issued',
    'field.effective': 'Effective',
    'field.expires': 'Expires',
    'field.source': 'Source',
    'field.id': 'Document id',
    'field.revision': 'Revision',
    'field.media_type': 'Media type',

    'status.in_force': 'In force',
    'status.amended': 'Amended',
    'status.repealed': 'Repealed',
    'status.expired': 'Expired',
    'status.draft': 'Draft',

    'relation.repeals': 'Repeals',
    'relation.amends': 'Amends',
    'relation.implements': 'Implements',
    'relation.supersedes': 'Supersedes',
    'relation.repealed-by': 'Repealed by',
    'relation.amended-by': 'Amended by',
    'relation.implemented-by': 'Implemented by',
    'relation.superseded-by': 'Superseded by',
    'relation.declared-by': '(declared by {document})',

    'doc.loading': 'Loading the document…',
    'doc.not-found': 'No document {id}: {message}',
    'doc.revision-not-found': 'Document {id} has no revision {rev}.',
    'doc.showing-revision': 'Showing revision {rev} (not the authoritative one)',
    'doc.showing-authoritative': 'Authoritative revision {rev}',
    'doc.showing-head': 'Latest revision {rev} (no authoritative revision yet)',
    'doc.relations': 'Related documents',
    'doc.downloads': 'Downloads',
    'doc.download.content': 'The bytes ({size}, {type})',
    'doc.download.receipt': 'Receipt (JSON)',
    'doc.text': 'Text',
    'doc.text.loading': 'Downloading the text…',
    'doc.text.unavailable': 'Could not download the text: {message}',
    'doc.not-text': 'Not plain text ({type}): download it to read it.',
    'doc.history': 'History',
    'doc.history.authoritative': 'authoritative',
    'doc.history.viewing': 'shown',
    'doc.history.view': 'View and verify this revision',
    'doc.history.submitted-by': 'Submitted by',
    'doc.history.origin': 'Origin',
    'doc.history.size': 'Size',
    'doc.history.note': 'Note',
    'doc.diff': 'Compare revisions',
    'doc.diff.from': 'From',
    'doc.diff.to': 'To',
    'doc.diff.only-one': 'This document has one revision: nothing to compare.',
    'doc.diff.loading': 'Comparing…',
    'doc.diff.same': 'The two revisions have the same text.',
    'doc.diff.stats':
      '{deleted} characters deleted, {inserted} inserted ({from} → {to}). The compared texts come straight from the archive and are not verified one by one.',
    'doc.diff.unchanged': '{n} unchanged lines',
    'doc.diff.not-text': 'Only text can be compared ({type}).',
    'doc.diff.failed': 'Could not compare: {message}',

    'size.bytes': '{n} bytes',

    'verify.heading': 'Verified in your browser',
    'verify.pending': 'Verifying…',
    'verify.verified': 'Verified: your browser checked every item below itself.',
    'verify.failed': 'Verification failed: {step}. {detail}',
    'verify.skipped': 'not checked',
    'verify.step-state.ok': 'passed: ',
    'verify.step-state.failed': 'failed: ',
    'verify.step-state.pending': 'in progress: ',
    'verify.step-state.skipped': 'not checked: ',
    'verify.pinned-key': 'The archive key this browser pinned (fingerprint {fingerprint}, on first use, {at}):',
    'witness.heading': 'Witnesses',
    'witness.none': 'No witness cosigned this checkpoint.',
    'witness.time': 'cosigned {time}',
    'witness.state.verified': 'valid cosignature',
    'witness.state.failed': 'invalid cosignature, not counted',
    'witness.state.missing': 'did not cosign',
    'witness.state.unchecked': 'not verified: the witness policy has no key for it',
    'witness.policy': 'Witness policy',
    'witness.policy.help':
      'Lines “witness <cosigner verifier key>” and one line “quorum <k>” (the file archivectl --witness_policy reads). With a policy, a checkpoint verifies only with valid cosignatures from at least k of its witnesses. The policy is kept in this browser.',
    'witness.policy.text': 'Policy text',
    'witness.policy.file': 'or load a file',
    'witness.policy.save': 'Use this policy',
    'witness.policy.clear': 'Forget the policy',
    'witness.policy.active': 'Policy in use: {count} witnesses, quorum {quorum} (given {at}).',
    'witness.policy.inactive': 'No witness policy: cosignatures are shown as information only.',
    'witness.policy.invalid': 'Not a valid policy, not stored: {message}',

    'step.key': 'Archive key',
    'step.statement': 'Revision statement',
    'step.digest': 'Content digest (SHA-256)',
    'step.statement-signature': 'Statement signature',
    'step.checkpoint-signature': 'Checkpoint signature',
    'step.inclusion': 'Inclusion in the log',
    'step.witnesses': 'Witness cosignatures',
    'step.consistency': 'Log consistency',

    'key.pinned':
      'First use: this browser pinned the key of archive {name}, fingerprint {fingerprint}. Every later visit must show the same key.',
    'key.matches': 'The key of archive {name} is the one this browser pinned on first use ({at}), fingerprint {fingerprint}.',
    'key.changed':
      'The archive key changed: this browser pinned {pinnedName} (fingerprint {pinned}) on {at}, the archive now shows {name} (fingerprint {fingerprint}).',
    'statement.ok': 'The SHA-256 of the statement is the revision id {rev}…; the statement is about document {document}.',
    'statement.id-mismatch': 'The SHA-256 of the statement, {actual}…, is not the revision id {rev}….',
    'statement.other-text': 'The receipt’s statement differs from the revision’s statement text.',
    'statement.wrong-document': 'The statement is about document {actual}, not {document}.',
    'digest.ok': 'The downloaded content, {size} bytes with SHA-256 {sha256}…, matches the statement.',
    'digest.mismatch':
      'Content digest mismatch: the {actualSize} bytes downloaded have SHA-256 {actual}…, the statement says {expected}… ({expectedSize} bytes).',
    'statement-signature.own': 'The statement is signed by {origin} with the archive key this browser pinned.',
    'statement-signature.vouched':
      'The statement is signed by {origin} (fingerprint {fingerprint}), whose key this archive vouches for (listed in /api/v1/keys).',
    'statement-signature.unknown': 'This archive lists no key for {origin}, which signed the statement.',
    'checkpoint-signature.ok': 'The checkpoint of size {size} is signed by archive {name} with the key this browser pinned.',
    'checkpoint-signature.wrong-origin': 'The checkpoint’s origin is {origin}, not archive {name}.',
    'inclusion.ok': 'The statement is entry {index} of the log (counting from 0), included in the checkpoint of size {size} (RFC 9162 inclusion proof).',
    'inclusion.wrong-size': 'The inclusion proof is for size {proofSize}, the checkpoint has size {size}.',
    'witnesses.none': 'The checkpoint of size {size} carries no witness cosignature; you gave no witness policy, so none is required.',
    'witnesses.unchecked':
      'The checkpoint of size {size} carries cosignatures by {names}; you gave no witness policy, so this browser has no key to check them with and they are not verified (the archive’s word is no proof).',
    'witnesses.quorum':
      'The checkpoint of size {size} is validly cosigned by {count} of the {total} witnesses of your policy ({names}), meeting its quorum of {quorum}.',
    'witnesses.quorum-some-missing':
      'The checkpoint of size {size} is validly cosigned by {count} of the {total} witnesses of your policy ({names}), meeting its quorum of {quorum}; missing: {missing}.',
    'witnesses.short':
      'Not enough witnesses: the checkpoint of size {size} is validly cosigned by {count} of the {total} witnesses of your policy, short of its quorum of {quorum}; missing: {missing}.',
    'witnesses.bad-policy': 'The witness policy stored in this browser cannot be read: {message}',
    'consistency.first':
      'First visit: this browser remembers the checkpoint of size {size}; every later visit checks that the log did not roll back or fork.',
    'consistency.same': 'The same checkpoint (size {size}) this browser remembered on {at}: no rollback, no fork.',
    'consistency.grown':
      'Consistent with the checkpoint of size {old} this browser remembered on {at}: the log only grew, to {size} (RFC 9162 consistency proof).',
    'consistency.rolled-back':
      'The log was rolled back: the archive now shows a checkpoint of size {size}, but this browser saw size {old} on {at}.',
    'consistency.fork':
      'The log forked: a checkpoint of size {size} with another root hash than the one this browser remembered on {at}.',
    'consistency.inconsistent':
      'The log was rewritten: the checkpoint of size {old} remembered on {at} is not consistent with the one of size {size} now.',
    'step.error': '{message}',
    'step.fetch-failed': 'Could not get {what} from the archive: {message}',
  },
};

function storedLanguage() {
  try {
    const value = globalThis.localStorage?.getItem(LANGUAGE_KEY);
    return LANGUAGES.includes(value) ? value : LANGUAGES[0];
  } catch {
    return LANGUAGES[0]; // storage disabled: Chinese, without remembering
  }
}

let language = storedLanguage();

export function currentLanguage() {
  return language;
}

export function setLanguage(next) {
  language = LANGUAGES.includes(next) ? next : LANGUAGES[0];
  try {
    globalThis.localStorage?.setItem(LANGUAGE_KEY, language);
  } catch {
    // The choice then lasts for this page only.
  }
}

export function otherLanguage() {
  return language === 'zh-CN' ? 'en' : 'zh-CN';
}

// The message `key` in the current language with {name} replaced by params.name. A key
// missing from English falls back to Chinese, one missing from both shows itself.
export function t(key, params = {}) {
  const template = MESSAGES[language][key] ?? MESSAGES['zh-CN'][key] ?? key;
  return template.replace(/\{(\w+)\}/g, (whole, name) =>
    params[name] === undefined ? whole : String(params[name]),
  );
}

export function hasMessage(key) {
  return key in MESSAGES['zh-CN'];
}

// Translates the static markup under root (data-i18n attributes).
export function translateStatic(root) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    element.textContent = t(element.dataset.i18n);
  }
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
  for (const element of root.querySelectorAll('[data-i18n-aria-label]')) {
    element.setAttribute('aria-label', t(element.dataset.i18nAriaLabel));
  }
}

// A date and time for people, in the current language (an ISO string in, as stored).
export function formatTime(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(language, { dateStyle: 'medium', timeStyle: 'short' });
}

export function formatSize(bytes) {
  const n = Number(bytes);
  if (n < 1024) return t('size.bytes', { n });
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
