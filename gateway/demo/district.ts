/**
 * The demo district's data, after the 2018 Yanghe report (shared/seed): the
 * five zones and their units with guard counts, checkpoint names by kind of
 * unit, and the name pools guards are drawn from. generate.ts turns it into
 * gateway/demo/site.yaml.
 */

export type Kind = 'government' | 'residential' | 'school' | 'enterprise' | 'commercial';

export interface ZoneDef {
  id: string;
  letter: string;
  name: string;
  /** The kind of neighbouring units the zone was formed around (report: 坚持临近和分类的原则). */
  theme: string;
  /** [name, kind, guards]; the first unit leads the zone's joint patrol. */
  units: Array<[string, Kind, number]>;
}

/** One zone from its row: units as "name kind guards" lines. */
function zone(id: string, letter: string, name: string, theme: string, units: string): ZoneDef {
  return {
    id,
    letter,
    name,
    theme,
    units: units
      .trim()
      .split('\n')
      .map((row) => {
        const [unit = '', kind = '', guards = ''] = row.trim().split(/\s+/);
        return [unit, kind as Kind, Number(guards)];
      }),
  };
}

export const ZONES: ZoneDef[] = [
  zone(
    'east',
    'E',
    '东片区',
    '党政机关',
    `
    洋河新区管委会 government 8
    新城名苑 residential 6
    洋河镇人民政府 government 6
    天地名城 residential 5
    洋河新区社会事业局 government 5
    洋河花园 residential 5
    洋河新区市场监督管理局 government 5
    美人泉小区 residential 4
  `,
  ),
  zone(
    'west',
    'W',
    '西片区',
    '白酒企业',
    `
    洋河酒厂股份有限公司 enterprise 12
    酒城花园 residential 5
    洋河老窖酒业有限公司 enterprise 7
    西苑小区 residential 5
    洋河酒业包装有限公司 enterprise 6
    康居新村 residential 4
    洋河酒城物流有限公司 enterprise 6
  `,
  ),
  zone(
    'south',
    'S',
    '南片区',
    '中小学校',
    `
    洋河实验小学 school 6
    南湖家园 residential 5
    洋河中学 school 7
    丽景苑 residential 5
    洋河新区第二小学 school 5
    南苑新村 residential 4
    阳光小区 residential 5
  `,
  ),
  zone(
    'north',
    'N',
    '北片区',
    '居民小区',
    `
    北苑小区 residential 6
    幸福家园 residential 5
    龙山花园 residential 5
    金色港湾 residential 5
    锦绣华庭 residential 5
    翰林苑 residential 4
    和谐家园 residential 5
    御景湾 residential 5
  `,
  ),
  zone(
    'central',
    'C',
    '中片区',
    '商业场所',
    `
    洋河商业广场 commercial 8
    中心花园小区 residential 5
    洋河农贸市场 commercial 6
    锦华苑 residential 5
    洋河大酒店 commercial 7
    文昌小区 residential 5
    盛世名门 residential 5
  `,
  ),
];

export const CHECKPOINT_NAMES: Record<Kind, string[]> = {
  government: ['大门', '办公楼', '档案室'],
  enterprise: ['厂区大门', '酒库', '成品仓库'],
  school: ['校门', '教学楼', '学生宿舍'],
  commercial: ['正门', '地下车库', '消防通道'],
  residential: ['北门', '配电房', '地下车库'],
};

export const SURNAMES = [
  ...'王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许沈曾彭吕苏卢蒋蔡魏薛叶潘杜戴夏钟汪田任姜范方石姚谭邹熊陆孔崔毛秦江顾侯邵孟万钱汤',
];
/** Given names, space-separated. */
export const GIVEN =
  '建国 卫东 志强 海涛 明 伟 军 勇 磊 刚 平 辉 强 斌 杰 超 华 红兵 国庆 建华 永刚 振华 德明 学文 春生 长江 立新 桂芳 秀英 玉梅 宏伟 保国 守正 大海 小龙 跃进 新民 连生 广才 金山'.split(
    ' ',
  );

/** The district's operator accounts: [id, role, name shown on screens and in alert texts]. */
export const OPERATORS: Array<[string, 'admin' | 'technician', string]> = [
  ['police-yanghe', 'admin', '洋河派出所'],
  ['patrol-brigade', 'admin', '巡特警大队'],
  ['tech1', 'technician', '系统技术员'],
];
