"""Severity triage in Chinese and English, pure: normalise once, one regex per script.

Every staff message gets a level:

- 0 ordinary;
- 1 distress (好累, 崩溃, 失眠, "exhausted", "can't sleep", "panic"): it moves up the queue and is
  not a crisis;
- 2 self-harm or suicide language (不想活了, 自杀, "kill myself"): a crisis;
- 3 a plan, the means or a time frame: a crisis, first in the queue.

The rule for level 3: a level-3 word occurs (a method or the means at hand, 割腕, 攒药, 一瓶安眠药,
写好遗书, "slit my wrists", "suicide plan"), or a level-2 word occurs together with a time-frame
word (a time or a readiness: 今晚, 明天, 下班后, 准备好了, "tonight", "i have the pills",
"wrote a note"). A time-frame word alone is ordinary (今晚值班好累 is level 1, 明天还要上班 is 0),
and so is a bare substance name at level 2 (安眠药: a nurse names it daily) until a time frame
joins it. A message's level is the highest of its words'; a word listed at two levels counts at
the higher. `Triage.is_crisis` is level >= 2: callers that need only the crisis bit keep it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

# STARTING LISTS, to be reviewed by the supervisors (督导) with local data before and during use
# (medication names for medical staff, local slang); the config adds words to each level
# (`[service.triage]`) or replaces them. They lean towards flagging: a false positive only moves
# a message up the queue, a missed crisis is not acceptable.
# Chinese entries are matched as substrings after normalise() (width, case, whitespace,
# punctuation and traditional characters folded), so 自 杀, 自殺 and 自杀 are one entry. English
# entries are matched as whole words after normalise_latin(); apostrophes are dropped, so
# "don't" and "dont" are one entry.
# fmt: off
BUILTIN_LEVEL1: tuple[str, ...] = (
    # distress: tired, breaking down, sleepless, afraid, alone
    "好累", "太累", "真累", "很累", "累死了", "累垮", "心累", "身心俱疲", "精疲力尽", "筋疲力尽",
    "崩溃", "绷不住", "受不了", "快疯了", "要疯了", "失眠", "睡不着", "整夜没睡", "焦虑",
    "害怕", "恐慌", "惊恐", "心慌", "喘不过气", "透不过气", "压力好大", "压力太大", "压力很大",
    "好难受", "很难受", "心里难受", "想哭", "一直哭", "哭了一晚", "委屈", "抑郁", "孤独",
    "无助", "无力感", "自责", "内疚", "麻木", "做噩梦", "心情很差", "心情不好", "情绪低落",
    "烦死了", "倦怠",
    "exhausted", "burnt out", "burned out", "burnout", "so tired", "really tired",
    "can't sleep", "cannot sleep", "couldn't sleep", "insomnia", "panic", "panicking",
    "panic attack", "anxious", "anxiety", "scared", "terrified", "overwhelmed", "breaking down",
    "breakdown", "falling apart", "can't cope", "cannot cope", "cried all night",
    "can't stop crying", "stressed out", "so stressed", "depressed", "hopeless", "helpless",
    "lonely", "nightmares", "breaking point", "miserable",
)
BUILTIN_LEVEL2: tuple[str, ...] = (
    # suicide, named or euphemised (紫砂/自鲨: online homophones of 自杀)
    "自杀", "紫砂", "自鲨", "轻生", "自尽", "寻短见", "短见", "想不开", "厌世", "寻死", "求死",
    "想死", "去死", "一死了之", "一了百了", "一死百了", "结束生命", "结束自己", "结束一切",
    "结束这一切", "了结", "了断", "解脱", "放弃生命", "放弃自己",
    # not wanting to live (also Cantonese: 唔想活, 死咗算)
    "不想活", "不想活了", "不要活了", "不活了", "不想再活", "不想继续活", "不愿活", "不愿意活",
    "唔想活", "唔想再活", "没法活", "活不下去", "活腻", "活够了", "生无可恋", "不想存在",
    "不想再存在", "不如死", "死了算了", "死掉算了", "死咗算", "死了就好", "死掉就好", "死了更好",
    "死了也好", "死了就不用", "宁愿死", "宁可死", "早点死", "早死早", "我死了", "我不在了",
    "生不如死", "痛不欲生", "心如死灰", "绝望", "走投无路", "没有出路", "没有希望", "看不到希望",
    "没希望了",
    # life has no meaning
    "活着没意思", "活着没有意思", "活着没意义", "活着有什么意思", "活着还有什么意思",
    "活着有甚么意思", "活着还有甚么意思", "活着有啥意思", "活着干嘛", "活着干什么", "活着干啥",
    "活着好累", "活着太累", "活着真累", "活着好痛苦", "活着太痛苦", "活着是折磨", "人生没意思",
    "没有意义", "没意义", "毫无意义",
    # cannot hold on
    "撑不下去", "撑不住", "坚持不下去", "坚持不下去了", "熬不下去", "熬不住", "扛不住",
    "扛不下去", "挺不下去", "挺不住", "不想再坚持", "不想坚持了",
    # not waking up, disappearing, being a burden
    "不想醒", "不想再醒", "不要醒来", "别醒来", "再也不醒", "永远不醒", "一睡不醒", "长眠",
    "永远睡", "想消失", "让我消失", "从这个世界消失", "离开这个世界", "离开世界", "告别这个世界",
    "告别世界", "世界上没有我", "没有我会更好", "没有我更好", "没有我大家", "没有我他们",
    "没有我家人", "没有我也一样", "累赘", "是个负担", "我是负担", "多余的人",
    # the names of means, alone (a level 3 with a time frame)
    "农药", "百草枯", "敌敌畏", "老鼠药", "毒药", "安眠药",
    # self-harm
    "伤害自己", "伤自己", "自残", "自伤", "自我伤害", "惩罚自己", "割自己", "划自己", "划手",
    "用刀划",
    # farewells and last things
    "遗书", "遗言", "遗嘱", "后事", "永别", "诀别", "最后的告别", "跟大家告别", "和大家告别",
    "向大家告别", "再见了大家", "大家再见了", "再见了各位", "再也见不到", "再也不见", "下辈子见",
    "下辈子再见", "来世再见", "来生再见", "最后一条消息", "最后一条讯息", "最后的消息",
    "最后的讯息", "最后一次和你们", "最后一次跟你们",
    # English
    "suicide", "suicidal", "kill myself", "killing myself", "killed myself", "kill my self",
    "kms", "unalive", "end my life", "ending my life", "end my own life", "take my life",
    "take my own life", "taking my life", "taking my own life", "end it all", "ending it all",
    "end everything", "want to end it", "want to die", "wanna die", "wish to die", "ready to die",
    "should just die", "let me die", "wish i was dead", "wish i were dead", "wish i could die",
    "want to be dead", "better off dead", "better off without me", "don't want to live",
    "do not want to live", "don't wanna live", "don't want to be alive", "don't want to exist",
    "don't want to be here anymore", "don't want to wake up", "never wake up", "sleep forever",
    "no reason to live", "nothing to live for", "no point living", "no point in living",
    "no point in going on", "not worth living", "can't go on", "cannot go on", "can not go on",
    "can't do this anymore", "can't take it anymore", "can't take this anymore",
    "can't live like this", "give up on life", "given up on life", "giving up on life",
    "done with life", "done living", "tired of living", "tired of life", "sick of living",
    "life is pointless", "life is meaningless", "no way out", "want to disappear",
    "disappear forever", "hurt myself", "hurting myself", "harm myself", "harming myself",
    "self harm", "selfharm", "self harming", "self injury", "cut myself", "cutting myself",
    "suicide note", "goodbye forever", "final goodbye",
)
BUILTIN_LEVEL3: tuple[str, ...] = (
    # methods
    "跳楼", "跳河", "跳江", "跳海", "跳桥", "跳下去", "从楼上跳", "天台跳", "跳天台", "楼顶跳",
    "跳下楼", "卧轨", "割腕", "割脉", "割手腕", "上吊", "吊死", "自缢", "勒死自己", "撞死",
    "烧炭", "开煤气", "服毒", "吞药", "吃药自杀", "一瓶安定", "吃一瓶", "吃一整瓶", "整瓶药",
    "过量服药", "药物过量", "吃很多药", "攒药", "囤药", "一瓶安眠药", "吃安眠药", "吞安眠药",
    "喝农药", "喝百草枯", "喝敌敌畏", "吃老鼠药",
    # methods open to medical staff
    "给自己打针", "给自己注射", "自己注射", "给自己推药", "给自己推针", "给自己推氯化钾",
    # a plan, and the means at hand
    "自杀计划", "计划自杀", "准备自杀", "准备去死", "决定去死", "想好怎么死", "想好了怎么死",
    "买好了绳子", "买了绳子", "准备好绳子", "买好了炭", "买了炭", "攒了很多药", "存了很多药",
    "写好遗书", "写好了遗书", "遗书写好", "写了遗书", "留了遗书", "交代好后事", "交代后事",
    "安排好后事", "安排后事",
    "overdose", "overdosed", "overdosing", "take all my pills", "take all the pills",
    "inject myself", "injecting myself", "jump off", "jumping off", "jump in front of",
    "hang myself", "hanging myself", "shoot myself", "slit my wrist", "slit my wrists",
    "suicide plan", "plan to kill myself", "planning to kill myself", "planned my suicide",
    "planning my suicide", "saving up pills", "saved up pills", "stockpiling pills",
    "bought a rope", "wrote my suicide note", "written my suicide note", "left a suicide note",
)
# A time frame or a readiness: level 3 together with a level-2 word, nothing alone.
BUILTIN_TIMEFRAME: tuple[str, ...] = (
    "今晚", "今天晚上", "今夜", "今天就", "明天", "明晚", "明早", "马上", "现在就", "等会儿",
    "一会儿就", "下班后", "下班就", "下了班", "值完这个班", "这个周末", "周末", "过几天",
    "准备好了", "决定了", "想好了", "计划好了", "已经买了", "买好了", "写好了",
    "tonight", "today", "tomorrow", "right now", "this weekend", "after my shift",
    "after this shift", "after work", "soon", "in an hour", "i have the pills", "got the pills",
    "wrote a note", "left a note", "written a note", "i have a plan", "made a plan",
    "i've decided", "i decided", "i'm ready", "i am ready",
)
# fmt: on
BUILTIN_LEVELS: dict[int, tuple[str, ...]] = {
    1: BUILTIN_LEVEL1,
    2: BUILTIN_LEVEL2,
    3: BUILTIN_LEVEL3,
}
# Every built-in crisis word (levels 2 and 3), as before levels.
BUILTIN_WORDS: tuple[str, ...] = (*BUILTIN_LEVEL2, *BUILTIN_LEVEL3)

# Traditional (and variant) -> simplified: every Big5 character whose simplified form is among the
# 3,755 common (GB 2312 level 1) characters, as OpenCC's t2s/tw2s/hk2s convert it, plus a few
# more (著->着 as in 活著, 麽, 甯, 縊, 鯊). Text and words both go through it, so extra words given
# in either script match text in either. Characters only: phrase-level forms (甚麼, 訊息) are words.
_TRADITIONAL = (
    "萬万 與与 醜丑 專专 業业 叢丛 東东 絲丝 丟丢 兩两 嚴严 喪丧 個个 箇个 豐丰 臨临 為为 爲为 "
    "麗丽 舉举 麼么 麽么 義义 烏乌 樂乐 喬乔 習习 鄉乡 書书 買买 亂乱 爭争 於于 虧亏 雲云 亞亚 "
    "產产 畝亩 親亲 億亿 僅仅 僕仆 從从 侖仑 崙仑 倉仓 儀仪 們们 價价 眾众 衆众 優优 夥伙 會会 "
    "傘伞 偉伟 傳传 傷伤 倫伦 偽伪 僞伪 體体 餘余 彿佛 傭佣 俠侠 侶侣 僥侥 偵侦 側侧 僑侨 儈侩 "
    "倆俩 儉俭 脩修 債债 傾倾 償偿 儲储 殭僵 兒儿 剋克 兌兑 黨党 蘭兰 關关 興兴 茲兹 養养 獸兽 "
    "內内 岡冈 冊册 寫写 軍军 農农 鼕冬 馮冯 沖冲 衝冲 決决 況况 凍冻 凈净 淨净 悽凄 淒凄 準准 "
    "涼凉 淩凌 減减 湊凑 凜凛 幾几 鳳凤 憑凭 凱凯 兇凶 齣出 擊击 鑿凿 劃划 劉刘 則则 剛刚 創创 "
    "刪删 別别 彆别 颳刮 製制 剎刹 劊刽 劑剂 剮剐 劍剑 剝剥 劇剧 勸劝 辦办 務务 動动 勵励 勁劲 "
    "勞劳 勢势 勛勋 勳勋 勻匀 區区 醫医 韆千 昇升 陞升 華华 協协 單单 賣卖 蔔卜 佔占 盧卢 滷卤 "
    "鹵卤 臥卧 衛卫 衞卫 卻却 捲卷 廠厂 廳厅 厤历 曆历 歷历 厲厉 壓压 厭厌 廁厕 釐厘 廂厢 廈厦 "
    "廚厨 廄厩 縣县 叄叁 參参 蔘参 雙双 發发 髮发 變变 敍叙 敘叙 疊叠 衹只 隻只 檯台 臺台 颱台 "
    "葉叶 號号 嘆叹 歎叹 籲吁 喫吃 閤合 弔吊 衕同 後后 嚮向 曏向 嚇吓 呂吕 嗎吗 噸吨 聽听 啓启 "
    "啟启 吳吴 獃呆 吶呐 嘔呕 員员 嗆呛 嗚呜 週周 詠咏 嚨咙 諮咨 鹹咸 嚥咽 鬨哄 響响 啞哑 嘩哗 "
    "譁哗 喲哟 脣唇 喚唤 嚙啮 齧啮 嘯啸 餵喂 噴喷 噓嘘 囑嘱 譟噪 囂嚣 迴回 團团 糰团 園园 睏困 "
    "囪囱 圍围 國国 圖图 圓圆 聖圣 場场 壞坏 塊块 堅坚 壇坛 罈坛 壩坝 塢坞 墳坟 墜坠 壟垄 壘垒 "
    "墾垦 墊垫 塹堑 墮堕 牆墙 壯壮 聲声 殼壳 壺壶 處处 備备 復复 複复 夠够 頭头 誇夸 夾夹 袷夹 "
    "奪夺 奮奋 獎奖 奧奥 姦奸 妝妆 婦妇 媽妈 薑姜 婁娄 嬌娇 孃娘 娛娱 嬰婴 嬸婶 孫孙 學学 孿孪 "
    "寧宁 甯宁 寶宝 實实 寵宠 審审 憲宪 宮宫 傢家 寬宽 賓宾 寢寝 對对 尋寻 導导 壽寿 將将 爾尔 "
    "塵尘 嘗尝 嚐尝 堯尧 屍尸 儘尽 盡尽 侷局 層层 屜屉 屆届 屬属 屢屡 嶼屿 歲岁 豈岂 崗岗 島岛 "
    "巖岩 嶺岭 嶽岳 巋岿 峽峡 巒峦 峯峰 嶄崭 鉅巨 鞏巩 幣币 佈布 帥帅 師师 帳帐 簾帘 幟帜 帶带 "
    "幀帧 蓆席 幫帮 冪幂 乾干 幹干 榦干 並并 併并 倖幸 廣广 莊庄 慶庆 牀床 廬庐 庫库 應应 廟庙 "
    "龐庞 廢废 開开 異异 棄弃 張张 彌弥 瀰弥 絃弦 彎弯 彈弹 強强 歸归 噹当 當当 彔录 錄录 彥彦 "
    "綵彩 徹彻 徵征 徑径 逕径 禦御 憶忆 誌志 憂忧 唸念 懷怀 態态 慫怂 憐怜 總总 戀恋 恆恒 卹恤 "
    "懇恳 噁恶 惡恶 惱恼 悅悦 懸悬 憫悯 驚惊 懼惧 慘惨 懲惩 憊惫 慚惭 憚惮 慣惯 癒愈 憤愤 願愿 "
    "懾慑 懶懒 戲戏 戰战 慼戚 戶户 搧扇 纔才 紮扎 撲扑 託托 釦扣 執执 擴扩 掃扫 揚扬 擾扰 摺折 "
    "撫抚 拋抛 摳抠 掄抡 搶抢 護护 報报 牴抵 擔担 枴拐 柺拐 擬拟 攏拢 揀拣 擁拥 攔拦 擰拧 撥拨 "
    "擇择 拚拼 掛挂 摯挚 攣挛 撾挝 撻挞 挾挟 撓挠 擋挡 掙挣 擠挤 揮挥 捱挨 輓挽 綑捆 扞捍 撈捞 "
    "損损 撿捡 換换 搗捣 擣捣 據据 擄掳 擲掷 撣掸 摻掺 攬揽 攙搀 擱搁 摟搂 攪搅 蒐搜 攜携 攝摄 "
    "擺摆 襬摆 搖摇 擯摈 攤摊 撐撑 攆撵 擻擞 攢攒 敵敌 斂敛 數数 齋斋 鬥斗 斬斩 斷断 鏇旋 旂旗 "
    "無无 舊旧 時时 曠旷 崑昆 晝昼 顯显 晉晋 曬晒 曉晓 暈晕 暫暂 闇暗 麴曲 劄札 朮术 術术 硃朱 "
    "樸朴 機机 殺杀 雜杂 權权 桿杆 槓杠 條条 來来 楊杨 盃杯 傑杰 鬆松 闆板 極极 構构 樞枢 棗枣 "
    "槍枪 楓枫 櫃柜 檸柠 柵栅 標标 棧栈 棟栋 欄栏 樹树 棲栖 慄栗 樣样 覈核 檔档 橋桥 槳桨 樁桩 "
    "樑梁 夢梦 檢检 稜棱 橢椭 樓楼 檻槛 橫横 櫻樱 櫥橱 歡欢 歐欧 慾欲 殲歼 殘残 毆殴 毀毁 燬毁 "
    "譭毁 畢毕 斃毙 氈毡 氣气 氫氢 匯汇 彙汇 漢汉 汙污 湯汤 洶汹 瀋沈 溝沟 沒没 漚沤 瀝沥 淪沦 "
    "滄沧 滬沪 霑沾 洩泄 氾泛 汎泛 濘泞 註注 淚泪 瀉泻 潑泼 澤泽 潔洁 灑洒 窪洼 淺浅 漿浆 澆浇 "
    "濁浊 測测 濟济 渾浑 濃浓 塗涂 湧涌 濤涛 澇涝 漣涟 渦涡 渙涣 滌涤 潤润 澗涧 漲涨 澀涩 澱淀 "
    "淵渊 漬渍 漸渐 漁渔 滲渗 溫温 遊游 灣湾 溼湿 濕湿 潰溃 濺溅 谿溪 泝溯 滾滚 滯滞 滿满 濾滤 "
    "濫滥 灤滦 濱滨 灘滩 灕漓 濰潍 潛潜 瀾澜 瀕濒 滅灭 燈灯 靈灵 竈灶 災灾 燦灿 爐炉 點点 煉炼 "
    "鍊炼 熾炽 爍烁 爛烂 烴烃 燭烛 煙烟 菸烟 煩烦 燒烧 燴烩 燙烫 燼烬 熱热 煥焕 燻熏 愛爱 爺爷 "
    "牽牵 犧牺 犢犊 狀状 猶犹 狽狈 獰狞 獨独 狹狭 獅狮 猙狰 獄狱 貍狸 獵猎 豬猪 貓猫 獻献 獺獭 "
    "瑪玛 翫玩 環环 現现 琺珐 瑣琐 瓊琼 瑤瑶 甕瓮 電电 畫画 暢畅 疇畴 療疗 瘧疟 瘍疡 瘡疮 瘋疯 "
    "癥症 癰痈 痙痉 癢痒 瘓痪 癡痴 痺痹 癟瘪 癱瘫 癬癣 皁皂 皚皑 皺皱 盞盏 鹽盐 監监 蓋盖 盜盗 "
    "盤盘 著着 睜睁 瞞瞒 矚瞩 矯矫 礬矾 礦矿 碼码 磚砖 硯砚 礫砾 礎础 碩硕 確确 礙碍 鹼碱 禮礼 "
    "禱祷 禍祸 祿禄 離离 俬私 禿秃 稈秆 鞦秋 種种 祕秘 積积 稱称 穢秽 稅税 穩稳 窮穷 竊窃 竅窍 "
    "窯窑 竄窜 窩窝 窺窥 豎竖 競竞 筍笋 筆笔 箋笺 籠笼 築筑 篩筛 籌筹 簽签 籤签 簡简 籮箩 簍篓 "
    "籃篮 籬篱 類类 粵粤 糞粪 糧粮 餬糊 醣糖 係系 繫系 緊紧 纍累 糾纠 紅红 縴纤 纖纤 約约 級级 "
    "紀纪 紉纫 緯纬 純纯 紗纱 綱纲 納纳 縱纵 綸纶 紛纷 紙纸 紋纹 紡纺 紐纽 線线 練练 組组 紳绅 "
    "細细 織织 終终 絆绊 紹绍 繹绎 經经 綁绑 絨绒 結结 繞绕 遶绕 繪绘 給给 絢绚 絡络 絕绝 絞绞 "
    "統统 絹绢 繡绣 綏绥 絛绦 繼继 績绩 緒绪 續续 綽绰 繩绳 維维 綿绵 繃绷 綢绸 綜综 綻绽 綠绿 "
    "綴缀 緘缄 緬缅 纜缆 緝缉 緞缎 緩缓 締缔 縷缕 編编 緣缘 縛缚 縫缝 纏缠 縊缢 纓缨 縮缩 繕缮 "
    "繳缴 網网 羅罗 罰罚 罷罢 羨羡 羣群 翹翘 聳耸 恥耻 聶聂 聾聋 職职 聯联 聰聪 肅肃 腸肠 膚肤 "
    "骯肮 腎肾 腫肿 脹胀 脅胁 膽胆 勝胜 衚胡 鬍胡 膠胶 脈脉 臟脏 髒脏 臍脐 腦脑 膿脓 腳脚 脫脱 "
    "臉脸 臘腊 膩腻 騰腾 緻致 輿舆 捨舍 艦舰 艙舱 艱艰 艷艳 豔艳 藝艺 節节 蕪芜 蘆芦 葦苇 蒼苍 "
    "囌苏 蘇苏 薹苔 蘋苹 範范 莖茎 繭茧 荊荆 薦荐 莢荚 盪荡 蕩荡 榮荣 葷荤 熒荧 廕荫 蔭荫 葯药 "
    "藥药 萊莱 蓮莲 獲获 穫获 瑩莹 蘿萝 螢萤 營营 蕭萧 薩萨 蔥葱 蔣蒋 懞蒙 濛蒙 矇蒙 簑蓑 藍蓝 "
    "薊蓟 衊蔑 薔蔷 藹蔼 藴蕴 蘊蕴 虜虏 慮虑 虛虚 蟲虫 蝨虱 雖虽 蝦虾 蝕蚀 蟻蚁 螞蚂 蠶蚕 蠱蛊 "
    "蠻蛮 蟄蛰 蛻蜕 蝸蜗 蠟蜡 蠅蝇 蟬蝉 蠍蝎 釁衅 銜衔 補补 錶表 襯衬 襖袄 襪袜 襲袭 裝装 褲裤 "
    "見见 觀观 規规 覓觅 視视 覽览 覺觉 觸触 譽誉 謄誊 計计 訂订 訃讣 認认 譏讥 討讨 讓让 訖讫 "
    "訓训 議议 訊讯 記记 講讲 諱讳 訝讶 許许 訛讹 論论 訟讼 諷讽 設设 訪访 訣诀 証证 證证 評评 "
    "詛诅 識识 詐诈 訴诉 診诊 謅诌 詞词 譯译 試试 詩诗 誠诚 誅诛 話话 誕诞 詭诡 詢询 詣诣 該该 "
    "詳详 詫诧 誡诫 誣诬 語语 誤误 誘诱 誨诲 說说 説说 誦诵 請请 諸诸 諾诺 讀读 誹诽 課课 誰谁 "
    "調调 諒谅 諄谆 談谈 誼谊 謀谋 諜谍 謊谎 諧谐 謂谓 讒谗 諺谚 謎谜 謝谢 謠谣 謗谤 謙谦 謹谨 "
    "謾谩 謬谬 譚谭 讕谰 譜谱 譴谴 穀谷 貝贝 貞贞 負负 貢贡 財财 責责 賢贤 敗败 賬账 貨货 質质 "
    "販贩 貪贪 貧贫 貶贬 購购 貯贮 貫贯 貳贰 賤贱 貼贴 貴贵 貸贷 貿贸 費费 賀贺 賊贼 賈贾 賄贿 "
    "賃赁 賂赂 贓赃 資资 賒赊 賦赋 賭赌 贖赎 賞赏 賜赐 賠赔 賴赖 贅赘 賺赚 賽赛 讚赞 贊赞 贈赠 "
    "贍赡 贏赢 贛赣 趙赵 趕赶 趨趋 躍跃 踐践 踴踊 躊踌 蹤踪 躥蹿 軀躯 車车 軋轧 軌轨 軒轩 轉转 "
    "輪轮 軟软 轟轰 軸轴 輕轻 載载 轎轿 較较 輔辅 輛辆 輩辈 輝辉 輥辊 輻辐 輯辑 輸输 轅辕 轄辖 "
    "輾辗 轍辙 辭辞 闢辟 辯辩 辮辫 邊边 遼辽 達达 遷迁 過过 邁迈 運运 還还 這这 進进 遠远 違违 "
    "連连 遲迟 跡迹 蹟迹 適适 選选 遜逊 遞递 邏逻 踰逾 遺遗 遙遥 鄧邓 郵邮 鄒邹 鄰邻 鬱郁 鄭郑 "
    "鄖郧 鄲郸 醖酝 醞酝 醬酱 痠酸 釀酿 埰采 寀采 採采 釋释 裏里 裡里 鑑鉴 鑒鉴 針针 鍼针 釘钉 "
    "釺钎 釩钒 釣钓 鈣钙 鈍钝 鈔钞 鍾钟 鐘钟 鈉钠 鋇钡 鋼钢 鈅钥 鑰钥 欽钦 鈞钧 鎢钨 鈎钩 鉤钩 "
    "鈕钮 錢钱 鉗钳 缽钵 鉢钵 鉆钻 鑽钻 鉀钾 鈾铀 鐵铁 鉑铂 鈴铃 鉛铅 鉚铆 銅铜 鋁铝 鍘铡 銑铣 "
    "鉻铬 銘铭 鉸铰 銥铱 剷铲 鏟铲 銀银 鑄铸 舖铺 鋪铺 鏈链 銷销 鎖锁 鋤锄 鍋锅 鏽锈 鋒锋 鋅锌 "
    "銳锐 鋭锐 銻锑 鍺锗 錯错 錨锚 錫锡 鑼锣 錘锤 鎚锤 錐锥 錦锦 鍁锨 錠锭 鍵键 鋸锯 錳锰 鍬锹 "
    "鍛锻 鍍镀 鎂镁 鎮镇 鑷镊 鎳镍 鎬镐 鎊镑 鏡镜 鐐镣 鐳镭 鎌镰 鐮镰 鑲镶 長长 門门 閃闪 閉闭 "
    "問问 闖闯 閏闰 閑闲 閒闲 間间 悶闷 閘闸 鬧闹 閨闺 聞闻 閩闽 閥阀 閣阁 閡阂 閱阅 閲阅 閹阉 "
    "閻阎 闡阐 闌阑 闊阔 隊队 陽阳 陰阴 陣阵 階阶 際际 陸陆 隴陇 陳陈 陝陕 隕陨 險险 隨随 隱隐 "
    "隸隶 難难 僱雇 雛雏 彫雕 琱雕 鵰雕 霧雾 黴霉 靜静 麵面 韋韦 韌韧 韓韩 韻韵 頁页 頂顶 頃顷 "
    "項项 順顺 須须 鬚须 頑顽 顧顾 頓顿 頒颁 頌颂 預预 顱颅 領领 頗颇 頸颈 頰颊 頤颐 頻频 頹颓 "
    "穎颖 顆颗 題题 顏颜 額额 顛颠 顫颤 顴颧 風风 飄飘 飛飞 飢饥 饑饥 飯饭 飲饮 餞饯 飾饰 飽饱 "
    "飼饲 餌饵 饒饶 餃饺 餅饼 餓饿 餒馁 餡馅 館馆 饋馈 饞馋 餾馏 饅馒 馬马 馭驭 馱驮 馴驯 馳驰 "
    "驅驱 駁驳 驢驴 駛驶 駒驹 駐驻 駝驼 駕驾 罵骂 驕骄 駱骆 駭骇 騁骋 驗验 駿骏 騎骑 騙骗 騷骚 "
    "騾骡 驟骤 魚鱼 魯鲁 鮑鲍 鮮鲜 鯉鲤 鯨鲸 鰓鳃 鱉鳖 鱗鳞 鳥鸟 雞鸡 鳴鸣 鷗鸥 鴉鸦 鴨鸭 鴦鸯 "
    "鴛鸳 鴕鸵 鴿鸽 鴻鸿 鵑鹃 鵝鹅 鵲鹊 鵬鹏 鶴鹤 鷹鹰 麥麦 黃黄 齊齐 齒齿 齡龄 齲龋 龍龙 龔龚 "
    "龜龟 鯊鲨"
)
_ZERO_WIDTH = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b\u180c\u180d\u180e\u180f"
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064"
    "\u2066\u2067\u2068\u2069\u206a\u206b\u206c\u206d\u206e\u206f\u3164\ufeff\uffa0"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
)
_APOSTROPHES = "'`´ʹʼʻ‘’‛′"
_TABLE: dict[int, str | None] = {ord(pair[0]): pair[1] for pair in _TRADITIONAL.split()}
_TABLE.update({ord(ch): None for ch in _ZERO_WIDTH + _APOSTROPHES})
_NEEDS_TABLE = re.compile("[" + re.escape("".join(chr(k) for k in _TABLE)) + "]")
# Separators that NFKC would only turn into ASCII punctuation or a space; made spaces first so that
# most Chinese text is already NFKC and normalize() takes its quick path (＇ and ｀ are left to it).
_WIDE_SEPARATORS = re.compile(
    "[\u00a0\u2000-\u200a\u2026\u202f\u205f\u3000"
    "\uff01-\uff06\uff08-\uff0f\uff1a-\uff20\uff3b-\uff3f\uff5b-\uff65]"
)
_NOT_WORD = re.compile(r"[\W_]+")
_NOT_LATIN = re.compile(r"[^0-9a-z]+")
_LATIN_WORD = re.compile(r"[0-9a-z\W_]*")
_Trie = dict[str, "_Trie"]  # a character trie; the key "" marks the end of a word


def _base(text: str) -> str:
    """NFKC, casefold, traditional to simplified, zero-width characters and apostrophes removed."""
    text = unicodedata.normalize("NFKC", _WIDE_SEPARATORS.sub(" ", text)).casefold()
    return text.translate(_TABLE) if _NEEDS_TABLE.search(text) else text


def normalise(text: str) -> str:
    """The compact form: folded, with all whitespace, punctuation and zero-width chars removed."""
    return _NOT_WORD.sub("", _base(text))


def normalise_latin(text: str) -> str:
    """The Latin form: folded, with every run of anything but a-z and 0-9 made one space."""
    return _NOT_LATIN.sub(" ", _base(text)).strip()


@dataclass(frozen=True, slots=True)
class Triage:
    """A message's level (0-3), and which words (normalised) said so.

    `matched` holds every listed word of levels 1-3 that occurs, and the time-frame words too
    when the level is 2 or more; it is empty exactly when the level is 0.
    """

    level: int
    matched: tuple[str, ...]

    @property
    def is_crisis(self) -> bool:
        """Levels 2 and 3: the crisis path (at once, past capacity, the leads alerted)."""
        return self.level >= 2


_CALM = Triage(level=0, matched=())
TIMEFRAME = 0  # the kind of a time-frame word (no level of its own)


def _alternation(trie: _Trie) -> str:
    """A regex for the words of a trie node (key "" marks a word's end), longest match first."""
    alts = [re.escape(ch) + _alternation(child) for ch, child in sorted(trie.items()) if ch]
    if not alts:
        return ""
    body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
    return f"(?:{body})?" if "" in trie else body


def _compile(keys: Iterable[str]) -> re.Pattern[str] | None:
    """One pattern for the given literal keys: at each position it matches the longest key."""
    root: _Trie = {}
    for key in keys:
        node = root
        for ch in key:
            node = node.setdefault(ch, {})
        node[""] = {}
    if not root:
        return None
    top = "|".join(re.escape(ch) + _alternation(sub) for ch, sub in sorted(root.items()))
    return re.compile(top)


def _collect(
    pattern: re.Pattern[str], text: str, within: dict[str, tuple[str, ...]], found: set[str]
) -> None:
    """Add every word in text: each occurrence is the longest match at its start, or inside it."""
    hit = pattern.search(text)
    while hit is not None:
        found.update(within[hit.group()])
        hit = pattern.search(text, hit.start() + 1)


class CrisisMatcher:
    """Words per level plus time-frame words, normalised and compiled once; triage() is pure.

    One pattern per script holds every word of every level: a message is read once.
    """

    __slots__ = (
        "_cjk",
        "_cjk_within",
        "_latin",
        "_latin_within",
        "_level",
        "_order",
        "_timeframe",
        "words",
    )

    def __init__(
        self,
        level2: Iterable[str] = (),
        *,
        level1: Iterable[str] = (),
        level3: Iterable[str] = (),
        timeframe: Iterable[str] = (),
    ) -> None:
        """Normalise and compile the words (entries that normalise to nothing are dropped)."""
        cjk: dict[str, None] = {}
        latin: dict[str, None] = {}
        self._level: dict[str, int] = {}
        timed: set[str] = set()
        kinds = ((1, level1), (2, level2), (3, level3), (TIMEFRAME, timeframe))
        for kind, words in kinds:
            for word in words:
                base = _base(word)
                if _LATIN_WORD.fullmatch(base):
                    key = _NOT_LATIN.sub(" ", base).strip()
                    into = latin
                else:
                    key = _NOT_WORD.sub("", base)
                    into = cjk
                if not key:
                    continue
                into[key] = None
                if kind == TIMEFRAME:
                    timed.add(key)
                else:  # a word listed at two levels counts at the higher
                    self._level[key] = max(kind, self._level.get(key, 0))
        self._timeframe = frozenset(timed)
        self.words: tuple[str, ...] = (*cjk, *latin)
        self._order = {w: i for i, w in enumerate(self.words)}
        self._cjk = _compile(cjk)
        self._latin = _compile(f" {w} " for w in latin)
        self._cjk_within = {w: tuple(v for v in cjk if v in w) for w in cjk}
        self._latin_within = {
            f" {w} ": tuple(v for v in latin if f" {v} " in f" {w} ") for w in latin
        }

    def level_of(self, word: str) -> int:
        """The level of a normalised word (0: a time-frame word, or not listed)."""
        return self._level.get(word, 0)

    def triage(self, text: str) -> Triage:
        """Triage one message: its level by the module's rule, with the words that said so."""
        base = _base(text)
        found: set[str] = set()
        if self._cjk is not None and not base.isascii():
            _collect(self._cjk, _NOT_WORD.sub("", base), self._cjk_within, found)
        if self._latin is not None:
            _collect(self._latin, f" {_NOT_LATIN.sub(' ', base)} ", self._latin_within, found)
        if not found:
            return _CALM
        level = max(self._level.get(w, 0) for w in found)
        if level == 0:
            return _CALM  # time-frame words alone
        timed = found & self._timeframe
        if level == 2 and timed:
            level = 3
        said = [w for w in found if w in self._level or (level >= 2 and w in timed)]
        return Triage(level=level, matched=tuple(sorted(said, key=self._order.__getitem__)))


def compile_words(
    extra: Iterable[str] = (),
    *,
    level1: Iterable[str] = (),
    level3: Iterable[str] = (),
    timeframe: Iterable[str] = (),
    builtin: bool = True,
) -> CrisisMatcher:
    """A matcher for the built-in lists (unless `builtin` is false) plus words per level.

    `extra` are level-2 words (service.crisis_words and service.triage.level2_words)."""
    if not builtin:
        return CrisisMatcher(extra, level1=level1, level3=level3, timeframe=timeframe)
    return CrisisMatcher(
        (*BUILTIN_LEVEL2, *extra),
        level1=(*BUILTIN_LEVEL1, *level1),
        level3=(*BUILTIN_LEVEL3, *level3),
        timeframe=(*BUILTIN_TIMEFRAME, *timeframe),
    )


_DEFAULT = compile_words()


def triage(text: str, extra: Iterable[str] = ()) -> Triage:
    """Triage with the built-in lists (plus extra level-2 words, compiled on each call if given)."""
    words = tuple(extra)
    return (compile_words(words) if words else _DEFAULT).triage(text)
