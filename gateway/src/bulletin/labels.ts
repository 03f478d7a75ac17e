/** Chinese and English names used by the bulletin renderers. */
import type { AlertKind } from '../model/alert.js';
import type { Texts } from '../model/texts.js';
import type { PatrolExceptionKind, PointsRules } from './types.js';

export const KIND_LABELS: Record<AlertKind, Texts> = {
  panic: { zh: '紧急报警', en: 'Panic' },
  patrol_missed: { zh: '漏巡', en: 'Patrol missed' },
  patrol_late: { zh: '巡逻迟到', en: 'Patrol late' },
  device_offline: { zh: '设备离线', en: 'Device offline' },
  tamper: { zh: '设备防拆', en: 'Tamper' },
  rollcall_absent: { zh: '点名缺勤', en: 'Roll-call absent' },
  custom: { zh: '其他警情', en: 'Other' },
};

export const POINT_LABELS: Record<keyof PointsRules, Texts> = {
  checkpoint: { zh: '巡逻打卡', en: 'Checkpoint visited' },
  rollcall_answered: { zh: '点名到岗', en: 'Roll call answered' },
  alert_acknowledged: { zh: '警情确认', en: 'Alert acknowledged' },
  patrol_missed: { zh: '漏巡', en: 'Tour missed' },
  rollcall_absent: { zh: '点名缺勤', en: 'Roll call absent' },
  joint_patrol: { zh: '参加联防巡逻', en: 'Joint patrol joined' },
  inspection_violation: { zh: '检查违规', en: 'Inspection violation' },
};

/** Short names of the patrol exceptions for table columns (the alerts carry the long texts). */
export const EXCEPTION_LABELS: Record<PatrolExceptionKind, Texts> = {
  early: { zh: '过早打卡', en: 'Early' },
  rescan: { zh: '重复打点', en: 'Rescan' },
  impossible_travel: { zh: '两点间用时过短', en: 'Impossible travel' },
  proxy: { zh: '一机多人', en: 'Proxy taps' },
  moved_reader: { zh: '读卡器点位异常', en: 'Moved reader' },
  clock_drift: { zh: '设备时钟偏差', en: 'Clock drift' },
  two_person: { zh: '双人巡更不足两人', en: 'Two-person alone' },
  overdue: { zh: '重点单位巡查超时', en: 'Key unit overdue' },
};

export const ASPECTS = [
  { id: 'preventable', n: '一', zh: '可防性案件压降', en: 'Preventable cases' },
  { id: 'patrol', n: '二', zh: '联勤联防巡逻动态', en: 'Joint patrol activity' },
  { id: 'rollcall', n: '三', zh: '系统点名', en: 'System roll calls' },
  { id: 'inspection', n: '四', zh: '实地检查情况', en: 'On-site inspections' },
  { id: 'licence', n: '五', zh: '保安员持证情况', en: 'Guard licences' },
  { id: 'suggestions', n: '六', zh: '工作建议', en: 'Suggestions' },
] as const;
