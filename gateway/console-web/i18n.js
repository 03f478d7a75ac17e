// Simplified Chinese by default, English on demand (saved in localStorage).

const dict = {
  zh: {
    'app.title': '联勤联防值班室',
    'login.title': '值班室登录',
    'login.user': '账号',
    'login.password': '密码',
    'login.remember': '在此设备上记住(值班大屏)',
    'login.submit': '登录',
    'login.failed': '账号或密码错误',
    'login.network': '无法连接网关:{msg}',
    'login.hint': '使用值班室账号(如 U02-duty)或派出所/技术员账号登录。',
    logout: '退出',
    'lang.switch': 'English',
    'conn.online': '已连接',
    'conn.connecting': '连接中…',
    'conn.reconnecting': '网关断开,正在重连…',
    'conn.refused': '网关拒绝登录',
    'audio.enable': '点击任意处启用警报声音',
    'alerts.title': '警情',
    'alerts.none': '当前无未处置警情',
    'alerts.history': '最近已处置',
    'alerts.ack': '确认接警',
    'alerts.resolve': '处置完毕',
    'alerts.ackBy': '{by} 已确认,用时 {secs} 秒',
    'alerts.ackByNoTime': '{by} 已确认',
    'alerts.resolvedBy': '{by} 已处置',
    'alerts.escalated': '已升级至联勤组',
    'alerts.elapsed': '已过 {t}',
    'alerts.sent': '已发送',
    'alerts.closedOnResync': '重连同步时已关闭',
    'overlay.title': '紧急报警',
    'overlay.silence': '静音',
    'overlay.more': '另有 {n} 起待确认',
    'board.title': '片区态势',
    'board.zone': '{name}',
    'board.legend.alert': '有警情',
    'board.legend.offline': '设备离线',
    'board.legend.overdue': '巡逻超时/漏巡',
    'board.legend.ok': '正常',
    'board.mine': '本单位',
    'board.devices': '设备状态',
    'board.tours': '今日巡逻',
    'board.rollcall': '最近点名',
    'board.noTours': '今日暂无巡逻记录',
    'board.noRollcall': '暂无点名记录',
    'board.noDevices': '无设备信息',
    'board.apiError': '部分数据暂不可用({what})',
    'dev.id': '设备',
    'dev.kind': '类型',
    'dev.online': '在线',
    'dev.battery': '电量',
    'dev.last': '最后心跳',
    'dev.kind.reader': '巡更读卡器',
    'dev.kind.panic': '紧急按钮',
    'dev.kind.rollcall': '点名终端',
    'dev.yes': '在线',
    'dev.no': '离线',
    'tour.status.completed': '已完成',
    'tour.status.missed': '漏巡',
    'tour.status.open': '进行中',
    'tour.status.late': '迟到',
    'rc.present': '到 {n}',
    'rc.absent': '缺 {n}',
    'rc.absentees': '缺勤:{names}',
    'kind.panic': '紧急报警',
    'kind.patrol_missed': '漏巡',
    'kind.patrol_late': '巡逻迟到',
    'kind.device_offline': '设备离线',
    'kind.tamper': '设备被拆',
    'kind.rollcall_absent': '点名缺勤',
    'kind.custom': '通知',
    'state.raised': '待确认',
    'state.escalated': '已升级',
    'state.acknowledged': '已确认',
    'state.resolved': '已处置',
    'ago.s': '{n} 秒前',
    'ago.m': '{n} 分钟前',
    'ago.h': '{n} 小时前',
    'ago.d': '{n} 天前',
    'notify.panic': '紧急报警:{unit}',
  },
  en: {
    'app.title': 'Joint patrol duty room',
    'login.title': 'Duty room sign-in',
    'login.user': 'Account',
    'login.password': 'Password',
    'login.remember': 'Remember on this device (wall screen)',
    'login.submit': 'Sign in',
    'login.failed': 'Wrong account or password',
    'login.network': 'Cannot reach the gateway: {msg}',
    'login.hint': 'Use a duty-room account (e.g. U02-duty) or a police / technician account.',
    logout: 'Sign out',
    'lang.switch': '中文',
    'conn.online': 'Connected',
    'conn.connecting': 'Connecting…',
    'conn.reconnecting': 'Gateway lost, reconnecting…',
    'conn.refused': 'Gateway refused the login',
    'audio.enable': 'Click anywhere to enable the siren',
    'alerts.title': 'Alerts',
    'alerts.none': 'No open alerts',
    'alerts.history': 'Recently closed',
    'alerts.ack': 'Acknowledge',
    'alerts.resolve': 'Resolve',
    'alerts.ackBy': 'Acknowledged by {by} in {secs} s',
    'alerts.ackByNoTime': 'Acknowledged by {by}',
    'alerts.resolvedBy': 'Resolved by {by}',
    'alerts.escalated': 'Escalated to the joint duty group',
    'alerts.elapsed': '{t} ago',
    'alerts.sent': 'Sent',
    'alerts.closedOnResync': 'Closed while reconnecting',
    'overlay.title': 'PANIC ALARM',
    'overlay.silence': 'Silence',
    'overlay.more': '{n} more waiting',
    'board.title': 'Zone board',
    'board.zone': '{name}',
    'board.legend.alert': 'Open alert',
    'board.legend.offline': 'Device offline',
    'board.legend.overdue': 'Patrol overdue / missed',
    'board.legend.ok': 'OK',
    'board.mine': 'this unit',
    'board.devices': 'Devices',
    'board.tours': "Today's tours",
    'board.rollcall': 'Last roll call',
    'board.noTours': 'No tours today yet',
    'board.noRollcall': 'No roll call yet',
    'board.noDevices': 'No device information',
    'board.apiError': 'Some data unavailable ({what})',
    'dev.id': 'Device',
    'dev.kind': 'Kind',
    'dev.online': 'Online',
    'dev.battery': 'Battery',
    'dev.last': 'Last heartbeat',
    'dev.kind.reader': 'Tour reader',
    'dev.kind.panic': 'Panic button',
    'dev.kind.rollcall': 'Roll-call terminal',
    'dev.yes': 'online',
    'dev.no': 'offline',
    'tour.status.completed': 'completed',
    'tour.status.missed': 'missed',
    'tour.status.open': 'in progress',
    'tour.status.late': 'late',
    'rc.present': '{n} present',
    'rc.absent': '{n} absent',
    'rc.absentees': 'Absent: {names}',
    'kind.panic': 'Panic',
    'kind.patrol_missed': 'Patrol missed',
    'kind.patrol_late': 'Patrol late',
    'kind.device_offline': 'Device offline',
    'kind.tamper': 'Tamper',
    'kind.rollcall_absent': 'Roll-call absent',
    'kind.custom': 'Notice',
    'state.raised': 'Waiting',
    'state.escalated': 'Escalated',
    'state.acknowledged': 'Acknowledged',
    'state.resolved': 'Resolved',
    'ago.s': '{n} s ago',
    'ago.m': '{n} min ago',
    'ago.h': '{n} h ago',
    'ago.d': '{n} d ago',
    'notify.panic': 'PANIC at {unit}',
  },
};

let lang = localStorage.getItem('gp.lang') === 'en' ? 'en' : 'zh';

export function getLang() {
  return lang;
}

export function setLang(l) {
  lang = l === 'en' ? 'en' : 'zh';
  localStorage.setItem('gp.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

/** Translate a key, filling {name} placeholders. Unknown keys show the key itself. */
export function t(key, vars = {}) {
  const s = dict[lang][key] ?? dict.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars[k] === undefined ? '' : String(vars[k])));
}

/** Fill every element carrying data-i18n (text) or data-i18n-placeholder. */
export function applyI18n(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  document.title = t('app.title');
}

export function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return t('ago.s', { n: s });
  if (s < 3600) return t('ago.m', { n: Math.floor(s / 60) });
  if (s < 86400) return t('ago.h', { n: Math.floor(s / 3600) });
  return t('ago.d', { n: Math.floor(s / 86400) });
}

/** Elapsed time as m:ss or h:mm:ss (alert timers on the wall). */
export function clock(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}
