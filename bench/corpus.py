"""Made-up chat text for the benchmarks: several languages, Zipf-distributed words, a long tail.

Nothing is downloaded: the word lists below are the corpus. Each language's list is in rough
order of frequency (function words first, as in real text); words are drawn with Zipf weights
over that order, and one word in eight comes from a tail of generated pseudo-words (names,
places, jargon), which gives the index a realistic number of distinct lexemes. Messages are a
few words, a sentence or two, now and then a long paragraph, with stock phrases of the language
mixed in ("see you tomorrow"), and emoji.
"""
import itertools
import random

ENGLISH = """
i you the to a it and is that of in we me for my on have be so just no do this not are was
with what at but can if yes ok your will get all like know go up now out about there good how
think when one time today they see here want need did got back going really sure let
would then tomorrow well tonight thanks call work home right come night still make morning yeah
new love day great much after week more could last say meeting take lunch maybe again later
something people send also next hope thing first soon before very check look sorry please find
where free car friday weekend help tell nice around try done phone email office why fine trip
dinner coffee food place kids school money late early long happy birthday party movie game team
project report deadline client server deploy release update fix bug review plan budget invoice
ticket flight hotel train bus station airport doctor appointment gym run walk weather rain snow
sunny cold hot beach park city house room kitchen garden dog cat baby mom dad brother sister
friend family wife husband boss colleague manager music concert book picture photo video link
file document slides agenda notes message chat group news store shop buy pay price cheap order
delivery package address parking traffic hour minute monday tuesday wednesday thursday saturday
sunday january february march april june july august september october november december
morning evening afternoon breakfast pizza beer wine tea water cake chocolate restaurant menu
table reservation ticket seat show match score win lose play practice class exam homework
question answer idea problem issue change cancel confirm schedule calendar reminder password
account login laptop screen printer wifi network battery charger keys wallet umbrella jacket
""".split()

SPANISH = """
de que no a la el y en lo es un se por qué me una te los con para mi está si pero las bien
sí su ya hay como todo muy cuando hola gracias mañana hoy ahora dónde vamos casa trabajo tiempo
bueno día noche semana tarde luego nada algo quiero puedo tengo voy hacer ver vez amigo amiga
familia comida cena reunión oficina coche viaje fiesta cumpleaños película música libro foto
mensaje llamada teléfono correo dinero precio tienda comprar pagar esperar llegar salir volver
claro vale genial perfecto perdón favor besos abrazo playa ciudad calle lluvia sol frío calor
""".split()

FRENCH = """
de la le et à les des est en un une que pas je tu il elle nous vous on ce qui pour dans sur
avec mais oui non bien très tout fait merci bonjour salut demain aujourd'hui soir matin semaine
maison travail temps rendez-vous réunion bureau voiture voyage fête anniversaire film musique
livre photo message appel téléphone courriel argent prix magasin acheter payer attendre arriver
partir revenir d'accord parfait désolé plaît bisous ville rue pluie soleil froid chaud déjeuner
dîner café restaurant train gare billet médecin école enfants week-end vacances plage
""".split()

GERMAN = """
der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an
ich du wir ihr sie ja nein gut sehr danke bitte hallo morgen heute abend woche haus arbeit
zeit termin besprechung büro auto reise feier geburtstag film musik buch foto nachricht anruf
telefon geld preis laden kaufen bezahlen warten ankommen fahren zurück genau perfekt schade
stadt straße regen sonne kalt warm mittagessen abendessen kaffee restaurant zug bahnhof
fahrkarte arzt schule kinder wochenende urlaub strand projekt bericht kunde
""".split()

PORTUGUESE = """
de que não a o e do da em um para é com uma os no se na por mais as dos como mas foi ao ele
sim obrigado obrigada olá amanhã hoje agora onde vamos casa trabalho tempo bom dia noite semana
tarde depois nada quero posso tenho vou fazer amigo família jantar reunião escritório carro
viagem festa aniversário filme música livro foto mensagem telefone dinheiro preço loja comprar
""".split()

RUSSIAN = """
и в не на я что он с как это по но они к у мы вы ты да нет так все она был его за от
привет спасибо пожалуйста завтра сегодня вечером утром неделя дом работа время встреча офис
машина поездка праздник день рождения фильм музыка книга фото сообщение звонок телефон деньги
цена магазин купить заплатить ждать приехать уехать вернуться хорошо отлично конечно извини
город улица дождь солнце холодно тепло обед ужин кофе ресторан поезд вокзал билет врач школа
дети выходные отпуск пляж проект отчёт клиент
""".split()

JAPANESE = """
おはよう こんにちは ありがとう すみません 了解です 明日 今日 今夜 会議 仕事 電話 メール 写真 駅
電車 ランチ 晩ご飯 コーヒー 週末 旅行 誕生日 映画 音楽 大丈夫 お疲れ様です よろしくお願いします
""".split()

CHINESE = """
你好 谢谢 明天 今天 晚上 会议 工作 电话 邮件 照片 火车站 午饭 晚饭 咖啡 周末 旅行 生日
电影 音乐 没问题 好的 辛苦了 等一下
""".split()

EMOJI = "😂 ❤️ 👍 🙏 😊 🎉 😅 🔥 👀 😭 🤔 ✅ 🙌 😍 🍕 ☕ 🚗 ✈️ 🎂 💯".split()

# Stock phrases: the web-search phrase queries ("see you tomorrow") find these.
PHRASES = {
    "en": ["see you tomorrow", "on my way", "running late", "sounds good", "let me know", "call me when you can",
           "happy birthday", "good morning", "good night", "talk to you later", "what time is the meeting",
           "can you send me the report", "thanks a lot", "no worries", "I will be there in ten minutes",
           "the server is down again", "did you see the news", "let's grab lunch", "are you free this weekend",
           "I forgot my keys"],
    "es": ["nos vemos mañana", "voy en camino", "llego tarde", "me parece bien", "avísame", "feliz cumpleaños",
           "buenos días", "buenas noches", "hablamos luego", "muchas gracias"],
    "fr": ["à demain", "j'arrive", "je suis en retard", "ça marche", "tiens-moi au courant", "joyeux anniversaire",
           "bonne nuit", "à plus tard", "merci beaucoup", "pas de souci"],
    "de": ["bis morgen", "bin unterwegs", "ich komme später", "klingt gut", "sag Bescheid",
           "alles Gute zum Geburtstag", "guten Morgen", "gute Nacht", "bis später", "vielen Dank"],
    "pt": ["até amanhã", "estou a caminho", "vou me atrasar", "parece bom", "me avisa", "feliz aniversário",
           "bom dia", "boa noite"],
    "ru": ["до завтра", "я уже еду", "опаздываю", "звучит хорошо", "дай знать", "с днём рождения",
           "доброе утро", "спокойной ночи"],
    "ja": ["また明日", "今向かってます", "少し遅れます", "いいですね", "誕生日おめでとう"],
    "zh": ["明天见", "我在路上", "我会晚一点", "听起来不错", "生日快乐"],
}

LANGUAGES = {  # name: (words, share of messages)
    "en": (ENGLISH, 0.55), "es": (SPANISH, 0.12), "fr": (FRENCH, 0.08), "de": (GERMAN, 0.08),
    "pt": (PORTUGUESE, 0.05), "ru": (RUSSIAN, 0.07), "ja": (JAPANESE, 0.03), "zh": (CHINESE, 0.02),
}
SPACELESS = {"ja", "zh"}  # written without spaces between words

_SYLLABLES = ("ka ri to mo na sel vor an bel dun gra tis lo mer qu ex zan fi pol ret ur bo "
              "ska len dor mi ha ve xo tru gen pa cor lin sha").split()
TAIL_SIZE = 50_000  # pseudo-words (names, places, jargon) in the long tail
TAIL_SHARE = 0.125


def zipf_weights(count, exponent=1.0):
    return list(itertools.accumulate(1 / (rank ** exponent) for rank in range(1, count + 1)))


def tail_words(rng, count=TAIL_SIZE):
    """Distinct pseudo-words of two to four syllables, in a fixed order for a given rng."""
    words, seen = [], set()
    while len(words) < count:
        word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


class TextMaker:
    """Chat messages of realistic length and vocabulary, reproducible from `seed`."""

    def __init__(self, seed=1):
        self.rng = random.Random(seed)
        self.languages = list(LANGUAGES)
        self.language_weights = list(itertools.accumulate(share for _, share in LANGUAGES.values()))
        self.words = {name: words for name, (words, _) in LANGUAGES.items()}
        self.word_weights = {name: zipf_weights(len(words)) for name, (words, _) in LANGUAGES.items()}
        self.tail = tail_words(random.Random(seed + 1))
        self.tail_weights = zipf_weights(len(self.tail), 0.7)

    def length(self):
        """Words in a message: mostly a handful, sometimes a paragraph, rarely a long one."""
        roll = self.rng.random()
        if roll < 0.45:
            return self.rng.randint(1, 6)
        if roll < 0.90:
            return self.rng.randint(7, 25)
        if roll < 0.99:
            return self.rng.randint(26, 120)
        return self.rng.randint(200, 400)

    def message(self):
        """(language, text) of one message."""
        rng = self.rng
        language = rng.choices(self.languages, cum_weights=self.language_weights)[0]
        count = self.length()
        words = rng.choices(self.words[language], cum_weights=self.word_weights[language], k=count)
        if language not in SPACELESS:
            replaced = [i for i in range(count) if rng.random() < TAIL_SHARE]
            for i, word in zip(replaced, rng.choices(self.tail, cum_weights=self.tail_weights, k=len(replaced))):
                words[i] = word
        if rng.random() < 0.3:
            words.insert(rng.randint(0, len(words)), rng.choice(PHRASES[language]))
        if rng.random() < 0.15:
            words.append(rng.choice(EMOJI))
        text = ("" if language in SPACELESS else " ").join(words)
        if count > 60 and language not in SPACELESS:  # long messages come in lines
            parts = text.split(" ")
            step = rng.randint(12, 30)
            text = "\n".join(" ".join(parts[i:i + step]) for i in range(0, len(parts), step))
        if rng.random() < 0.5:
            text = text[0].upper() + text[1:]
        return language, text
